package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podidentity.local.aws.AwsStandIn;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eksauth.EksAuthClient;

/** Tokens and credentials never reach the logs, on success, on refusal or on failure. */
class NoSecretsInLogsTest {

    @Test
    void logs_holdNoTokensAndNoCredentials() {
        LocalStack stack = TestStack.get();
        String ns = "logs" + ProcessHandle.current().pid();
        String role = TestStack.brokerTrustedRole(TestStack.unique("log-role"));
        try (var eks = TestStack.eks()) {
            eks.createPodIdentityAssociation(r -> r.clusterName(stack.localCluster().name()).namespace(ns)
                    .serviceAccount("sa").roleArn(role));
        }
        String token = stack.localCluster().mint(ns, "sa", "pod", "uid", Duration.ofHours(1));
        String expired = stack.localCluster().mint(ns, "sa", "pod", "uid", java.time.Instant.now().minusSeconds(7200),
                Duration.ofHours(1));
        String issuedSecret;
        CapturedLogs logs = new CapturedLogs();
        try (logs; EksAuthClient auth = EksAuthClient.builder().endpointOverride(URI.create(stack.apiUrl()))
                .region(Region.US_EAST_1).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIANODE", "node")))
                .overrideConfiguration(o -> o.retryStrategy(b -> b.maxAttempts(1))).build()) {
            var ok = auth.assumeRoleForPodIdentity(r -> r.clusterName(stack.localCluster().name()).token(token));
            issuedSecret = ok.credentials().secretAccessKey();
            assertThatThrownBy(() -> auth.assumeRoleForPodIdentity(r -> r.clusterName(stack.localCluster().name()).token(expired)));
            assertThatThrownBy(() -> auth.assumeRoleForPodIdentity(r -> r.clusterName(stack.localCluster().name())
                    .token(token.substring(0, token.length() - 4) + "AAAA")));
            String diagnosis = "{\"namespace\":\"" + ns + "\",\"serviceAccount\":\"sa\",\"token\":\"" + token + "\"";
            assertThat(ClusterApi.signed("POST", "/clusters/" + stack.localCluster().name() + "/diagnose", diagnosis + "}")
                    .status()).isEqualTo(200);
            assertThat(ClusterApi.signed("POST", "/clusters/" + stack.localCluster().name() + "/diagnose",
                    diagnosis + ",\"podCreatedAt\":\"x\"}").status()).isEqualTo(400);
            stack.aws().setFault("sts", AwsStandIn.Fault.FAIL);
            assertThatThrownBy(() -> auth.assumeRoleForPodIdentity(r -> r.clusterName(stack.localCluster().name()).token(token)));
        } finally {
            stack.aws().setFault("sts", AwsStandIn.Fault.NONE);
        }
        String text = logs.text();
        assertThat(text).as("the refusals and the failure were logged").contains("ExpiredTokenException")
                .contains("InvalidTokenException").contains("ServiceUnavailableException").contains("DiagnosePodIdentity refused");
        String[] parts = token.split("\\.");
        assertThat(text).doesNotContain(parts[1]).doesNotContain(parts[2]).doesNotContain(issuedSecret)
                .doesNotContain(expired.split("\\.")[1]);
    }
    @Test
    void logs_holdNoWebhookKeys_onAdmission_refusal_orFailure() {
        LocalStack stack = TestStack.get();
        String name = TestStack.unique("log-hook");
        String url = Admission.webhookUrl(Admission.register(name, "https://oidc.local/" + name, Keys.rsaJwks("k1"), null));
        String key = url.substring(url.lastIndexOf('/') + 1);
        String role = TestStack.brokerTrustedRole(TestStack.unique("log-hook-role"));
        try (var eks = TestStack.eks()) {
            eks.createPodIdentityAssociation(r -> r.clusterName(name).namespace("ns").serviceAccount("sa").roleArn(role));
        }
        var review = Admission.review("ns", Admission.pod("{'spec':{'serviceAccountName':'sa','containers':[{'name':'a'}]}}"));
        CapturedLogs logs = new CapturedLogs();
        try (logs) {
            Admission.admitPatched(url, review);
            assertThat(Admission.admit(url.replace(key, key.substring(1) + "A"), review).status()).isEqualTo(403);
            assertThat(Admission.admit(url, "{\"apiVersion\":\"v1\"}").status()).isEqualTo(400);
            stack.dynamo().setFault(dev.podidentity.local.dynamo.TransactionalDynamo.Fault.FAIL, java.util.Set.of("GetItem"));
            assertThat(Admission.admit(url, review).patch()).isNull();
        } finally {
            stack.dynamo().setFault(dev.podidentity.local.dynamo.TransactionalDynamo.Fault.NONE, java.util.Set.of());
        }
        String text = logs.text();
        assertThat(text).as("the refusals and the failure were logged").contains("AccessDeniedException")
                .contains("InvalidRequestException").contains("AdmitPod allowed a pod without a patch");
        assertThat(text).doesNotContain(key).doesNotContain(key.substring(1) + "A")
                .doesNotContain(dev.podidentity.domain.WebhookKey.hash(key));
    }

    @Test
    void logs_holdNoSyncTokens_onSync_orRefusal() {
        String cluster = TestStack.unique("log-sync");
        String issuer = "https://oidc.local/" + cluster;
        com.nimbusds.jose.jwk.RSAKey key = Keys.rsa("log-sync-k1");
        ClusterApi.register(cluster, issuer, new com.nimbusds.jose.jwk.JWKSet(key.toPublicJWK()).toString(true));
        String audience = dev.podidentity.domain.WebhookSync.AUDIENCE;
        String good = WebhookSyncRouteTest.token(key, issuer, "pod-identity-system", "webhook-sync", audience,
                java.time.Instant.now());
        String otherAccount = WebhookSyncRouteTest.token(key, issuer, "shop", "cart", audience, java.time.Instant.now());
        CapturedLogs logs = new CapturedLogs();
        try (logs) {
            assertThat(WebhookSyncRouteTest.sync(cluster, "{\"token\": \"" + good + "\"}").status()).isEqualTo(200);
            assertThat(WebhookSyncRouteTest.sync(cluster, "{\"token\": \"" + otherAccount + "\"}").status()).isEqualTo(403);
            assertThat(WebhookSyncRouteTest.sync(cluster, "{\"token\": \"" + good.substring(0, good.length() - 4) + "AAAA\"}")
                    .status()).isEqualTo(400);
        }
        String text = logs.text();
        assertThat(text).as("the refusals were logged").contains("AccessDeniedException").contains("InvalidTokenException");
        for (String t : new String[] {good, otherAccount}) {
            String[] parts = t.split("\\.");
            assertThat(text).doesNotContain(parts[1]).doesNotContain(parts[2]);
        }
    }

    /** Everything the service's loggers write at any level while open. */
    static final class CapturedLogs implements AutoCloseable {
        private final StringWriter out = new StringWriter();
        private final String name = "capture-" + System.nanoTime();
        private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
        private final LoggerConfig logger;
        private final Level before;

        CapturedLogs() {
            Configuration config = context.getConfiguration();
            WriterAppender appender = WriterAppender.newBuilder().setName(name).setTarget(out)
                    .setLayout(PatternLayout.newBuilder().withPattern("%p %m %ex%n").build()).build();
            appender.start();
            logger = config.getLoggerConfig("dev.podidentity");
            before = logger.getLevel();
            logger.addAppender(appender, Level.ALL, null);
            logger.setLevel(Level.ALL);
            context.updateLoggers();
        }

        String text() {
            return out.toString();
        }

        @Override
        public void close() {
            logger.removeAppender(name);
            logger.setLevel(before);
            context.updateLoggers();
        }
    }
}
