package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.adapter.dynamodb.DynamoStore;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.local.agent.LocalCluster;
import dev.podidentity.service.CredentialService;
import dev.podidentity.service.admission.AdmissionService;
import dev.podidentity.testing.MovableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Issue 14: the cluster's pod token lifetime limit, at the limit and one second over, and how fast a change applies. */
class TokenLifetimeTest {
    static LocalCluster cluster;
    static String role;

    @BeforeAll
    static void setUp() throws Exception {
        TestStack.get();
        cluster = LocalCluster.load(TestStack.unique("lifetime-k"), null);
        Admission.register(cluster.name(), LocalCluster.ISSUER, cluster.jwks(), null);
        role = TestStack.brokerTrustedRole(TestStack.unique("lifetime-role"));
        try (var eks = TestStack.eks()) {
            eks.createPodIdentityAssociation(r -> r.clusterName(cluster.name()).namespace("ns").serviceAccount("sa").roleArn(role));
        }
    }

    static ClusterApi.Response assume(String token) {
        ObjectNode body = Admission.JSON.createObjectNode().put("token", token);
        return ClusterApi.send(software.amazon.awssdk.http.SdkHttpRequest.builder()
                .uri(URI.create(TestStack.get().apiUrl() + "/clusters/" + cluster.name() + "/assume-role-for-pod-identity"))
                .method(software.amazon.awssdk.http.SdkHttpMethod.POST).putHeader("Content-Type", "application/json").build(),
                body.toString());
    }

    @Test
    void throughTheApi_aTokenAtTheDefaultLimitWorks_andOneSecondMoreIsRefused_sayingHowToChangeIt() {
        Instant now = Instant.now().minusSeconds(5);
        ClusterApi.Response at = assume(cluster.mint("ns", "sa", "p", "u", now, Duration.ofSeconds(3600)));
        assertThat(at.status()).as(at.body()).isEqualTo(200);
        assertThat(at.json().path("credentials").path("accessKeyId").asText()).startsWith("ASIA");
        ClusterApi.Response over = assume(cluster.mint("ns", "sa", "p", "u", now, Duration.ofSeconds(3601)));
        assertThat(over.status()).isEqualTo(400);
        assertThat(over.errorType()).isEqualTo("InvalidTokenException");
        assertThat(over.json().path("message").asText()).contains("3601 seconds", "limit of 3600 seconds",
                "podTokenLifetimeSeconds", "PUT /clusters/{name}");
    }

    @Test
    void aLifetimeChange_appliesWithinTheCacheInterval_toTokens_andToTheWebhooksVolume() {
        String name = TestStack.unique("lifetime-c");
        LocalCluster c;
        try {
            c = LocalCluster.load(name, null);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        String hook = Admission.webhookUrl(Admission.register(name, LocalCluster.ISSUER, c.jwks(), null));
        String key = hook.substring(hook.lastIndexOf('/') + 1);
        try (var eks = TestStack.eks()) {
            eks.createPodIdentityAssociation(r -> r.clusterName(name).namespace("ns").serviceAccount("sa").roleArn(role));
        }
        MovableClock clock = new MovableClock(Instant.now());
        try (DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(URI.create(TestStack.get().dynamoEndpoint()))
                .region(Region.US_EAST_1).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build()) {
            DynamoStore store = new DynamoStore(dynamo, LocalStack.TABLE, clock);
            // the lifetime check comes before any credential is issued: this service never reaches its issuer
            CredentialService credentials = new CredentialService(store, (binding, pod, arn) -> {
                throw new ServiceException(ErrorCode.RESOURCE_IN_USE, "verified; issuing is not part of this test");
            }, clock);
            AdmissionService admissions = new AdmissionService(store, clock);
            Instant start = clock.instant();

            assertThat(refusal(credentials, name, c.mint("ns", "sa", "p", "u", clock.instant(), Duration.ofHours(2))))
                    .isEqualTo(ErrorCode.INVALID_TOKEN);
            assertThat(expiration(admissions, name, key)).isEqualTo(3600);

            Admission.register(name, LocalCluster.ISSUER, c.jwks(), "\"podTokenLifetimeSeconds\":7200");
            clock.set(start.plus(CredentialService.KEY_CACHE_TTL).minusSeconds(1));
            assertThat(refusal(credentials, name, c.mint("ns", "sa", "p", "u", clock.instant(), Duration.ofHours(2))))
                    .as("still the cached limit").isEqualTo(ErrorCode.INVALID_TOKEN);
            assertThat(expiration(admissions, name, key)).as("still the cached lifetime").isEqualTo(3600);

            clock.set(start.plus(CredentialService.KEY_CACHE_TTL));
            assertThat(refusal(credentials, name, c.mint("ns", "sa", "p", "u", clock.instant(), Duration.ofHours(2))))
                    .as("the new limit").isEqualTo(ErrorCode.RESOURCE_IN_USE);
            assertThat(expiration(admissions, name, key)).as("the new lifetime").isEqualTo(7200);
            assertThat(AdmissionService.CLUSTER_CACHE_TTL).isEqualTo(CredentialService.KEY_CACHE_TTL);
        }
    }

    static ErrorCode refusal(CredentialService service, String cluster, String token) {
        try {
            service.assume(cluster, token);
        } catch (ServiceException e) {
            return e.code();
        }
        throw new AssertionError("not refused");
    }

    static int expiration(AdmissionService service, String cluster, String key) {
        ObjectNode review = Admission.review("ns", Admission.pod("{'spec':{'serviceAccountName':'sa','containers':[{'name':'a'}]}}"));
        AdmissionService.Outcome outcome = service.admit(cluster, key, review::toString);
        assertThat(outcome.failure()).isNull();
        assertThat(outcome.patch()).isNotNull();
        return outcome.patch().get(2).at("/value/0/projected/sources/0/serviceAccountToken/expirationSeconds").asInt();
    }

    @Test
    void theStockWebhooksDefault_of24Hours_isRefusedByTheDefaultLimit() {
        assertThatThrownBy(() -> {
            ClusterApi.Response r = assume(cluster.mint("ns", "sa", "p", "u", Duration.ofHours(24)));
            if (r.status() != 200) {
                throw new IllegalStateException(r.errorType());
            }
        }).hasMessage("InvalidTokenException");
    }
}
