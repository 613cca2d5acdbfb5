package dev.podidentity.local.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.podidentity.local.Http;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eksauth.EksAuthClient;
import software.amazon.awssdk.services.eksauth.model.InvalidTokenException;

/**
 * Issue 21 through the real kube-apiserver: pods deleted with kubectl (forced, graceful, dry-run) or with the
 * DeleteOptions the garbage collector and the kubelet send reach the deletions webhook that {@code cluster/install}
 * applied, and the token TokenRequest bound to the pod before the delete is then refused by AssumeRoleForPodIdentity
 * (the real EKS Auth client) and through the stock agent, while other pods of the service account, and a pod
 * re-created under the same name, get credentials. Pods here are never scheduled (no scheduler or kubelet), so the
 * API server removes them at once on any delete, unless they name a node.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealPodDeletionTest {
    static final String CLUSTER = "real-del-" + ProcessHandle.current().pid();
    static final String AGENT = "http://169.254.170.23/v1/credentials";
    RealCluster c;
    EksAuthClient eksAuth;
    String roleName;

    @BeforeAll
    void start() throws Exception {
        c = new RealCluster(CLUSTER);
        String roleArn = c.role("real-del-" + ProcessHandle.current().pid());
        roleName = roleArn.substring(roleArn.lastIndexOf('/') + 1);
        try (var eks = c.eks()) {
            eks.createPodIdentityAssociation(r -> r.clusterName(CLUSTER).namespace("default").serviceAccount("app")
                    .roleArn(roleArn));
        }
        c.k8s.createServiceAccount("default", "app");
        // as a node calls EKS Auth (any signed caller may; the token is the proof)
        eksAuth = EksAuthClient.builder().endpointOverride(URI.create(c.stack.apiUrl())).region(Region.of(c.stack.region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIANODEROLE0000", "node-secret")))
                .httpClient(UrlConnectionHttpClient.builder().tlsTrustManagersProvider(c.stack.tls()::trustManagers).build())
                .build();
    }

    @AfterAll
    void stop() {
        if (eksAuth != null) {
            eksAuth.close();
        }
        if (c != null) {
            c.close();
        }
    }

    /** A pod of service account {@code app} created through the API server (our webhook mutates it). */
    JsonNode createPod(String name, String extraSpec) throws IOException {
        JsonNode pod = c.k8s.createPod("default", RealClusterTest.pod(name, "app", extraSpec));
        RealClusterTest.expirationSeconds(pod); // the mutating webhook added our token volume
        return pod;
    }

    /** The token the kubelet would project for {@code pod} (TokenRequest bound to it), taken while it exists. */
    String token(JsonNode pod) throws IOException {
        return c.k8s.podToken("default", "app", pod.path("metadata").path("name").asText(),
                pod.path("metadata").path("uid").asText(), RealClusterTest.expirationSeconds(pod));
    }

    String assume(String token) {
        return eksAuth.assumeRoleForPodIdentity(r -> r.clusterName(CLUSTER).token(token)).assumedRoleUser().arn();
    }

    /** EKS Auth's refusal of a deleted pod's token: 400 InvalidTokenException naming the pod; answers the time. */
    Instant refusedAsDeleted(String token, JsonNode pod) {
        Instant[] when = new Instant[1];
        assertThatThrownBy(() -> assume(token)).isInstanceOfSatisfying(InvalidTokenException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(400);
            String message = e.awsErrorDetails().errorMessage();
            assertThat(message).contains("pod default/" + pod.path("metadata").path("name").asText(),
                    "uid " + pod.path("metadata").path("uid").asText(), "of cluster " + CLUSTER, "was deleted at ");
            when[0] = Instant.parse(message.replaceAll(".*was deleted at (\\S+):.*", "$1"));
        });
        return when[0];
    }

    List<JsonNode> throughAgent(String... tokens) throws IOException {
        String[] files = new String[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            files[i] = c.write("agent-" + System.nanoTime() + ".token", tokens[i]).toString();
        }
        List<String> args = new java.util.ArrayList<>(List.of("fetch", AGENT));
        args.addAll(List.of(files));
        return AgentClient.run(c.ns, Map.of(), args);
    }

    boolean exists(String pod) {
        return c.k8s.kubectl("get", "pod", pod, "--ignore-not-found", "-o", "name").stdout().contains("pod/" + pod);
    }

    @Test
    void forceDeletedPod_isRefusedDirectlyAndThroughTheAgent_itsSiblingAndItsReplacementWork() throws Exception {
        JsonNode pod = createPod("del-1", "");
        JsonNode sibling = createPod("del-2", "");
        String token = token(pod);
        String cachedToken = c.k8s.podToken("default", "app", "del-1", pod.path("metadata").path("uid").asText(), 3600);
        String siblingToken = token(sibling);
        assertThat(assume(token)).contains(":assumed-role/" + roleName + "/eks-" + CLUSTER + "-del-1-");
        // a second token of the same pod goes through the agent now, so the agent holds its credentials
        assertThat(throughAgent(cachedToken).get(0).path("status").asInt()).isEqualTo(200);

        Instant before = Instant.now().minusSeconds(1);
        c.k8s.kubectl("delete", "pod", "del-1", "--grace-period=0", "--force").orThrow("force delete");
        Instant after = Instant.now().plusSeconds(1);
        assertThat(exists("del-1")).isFalse();
        assertThat(refusedAsDeleted(token, pod)).isBetween(before, after);

        // through the stock agent, twice: both requests reach the service (nothing served from the agent's cache)
        long calls = c.stack.handlerInvocations();
        List<JsonNode> answers = throughAgent(token, token);
        System.out.println("stock agent on a deleted pod's token: " + answers);
        for (JsonNode answer : answers) {
            assertThat(answer.path("status").asInt()).as(answer.toString()).isEqualTo(400);
            assertThat(answer.path("body").asText()).contains("InvalidTokenException", "del-1", "was deleted at");
        }
        assertThat(c.stack.handlerInvocations() - calls).isEqualTo(2);

        // the token whose credentials the agent fetched before the delete: the agent answers from its cache without
        // asking (credentials STS already issued; nothing revokes them before their expiry). It asks again only at
        // renewal (its janitor, every minute, once min(expiry, --max-credential-retention-before-renewal) passed),
        // and then deletes the entry on InvalidTokenException: not shown here (over a minute)
        calls = c.stack.handlerInvocations();
        JsonNode cached = throughAgent(cachedToken).get(0);
        assertThat(cached.path("status").asInt()).as(cached.toString()).isEqualTo(200);
        assertThat(c.stack.handlerInvocations() - calls).as("served from the agent's cache").isZero();

        // another pod of the same service account still works, directly and through the agent
        assertThat(assume(siblingToken)).contains("/eks-" + CLUSTER + "-del-2-");
        assertThat(throughAgent(siblingToken).get(0).path("status").asInt()).isEqualTo(200);

        // re-created under the same name: a new UID, and its tokens work
        JsonNode again = createPod("del-1", "");
        assertThat(again.path("metadata").path("uid").asText()).isNotEqualTo(pod.path("metadata").path("uid").asText());
        String newToken = token(again);
        assertThat(assume(newToken)).contains("/eks-" + CLUSTER + "-del-1-");
        assertThat(throughAgent(newToken).get(0).path("status").asInt()).isEqualTo(200);
        // and the old one is still refused
        refusedAsDeleted(token, pod);
    }

    @Test
    void gracefulDeleteOfAnUnscheduledPod_isImmediate() throws Exception {
        // a second validating webhook that records the DELETE reviews the API server sends (what ours receives too)
        List<JsonNode> reviews = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpsServer recorder = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        recorder.setHttpsConfigurator(new HttpsConfigurator(c.stack.tls().serverContext()));
        recorder.createContext("/", exchange -> {
            try (exchange) {
                JsonNode review = RealCluster.JSON.readTree(exchange.getRequestBody());
                reviews.add(review.path("request"));
                String answer = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\""
                        + review.path("request").path("uid").asText() + "\",\"allowed\":true}}";
                Http.send(exchange, 200, Map.of("Content-Type", "application/json"), answer.getBytes(StandardCharsets.UTF_8));
            }
        });
        recorder.start();
        try {
            c.k8s.kubectlWithInput("""
                    apiVersion: admissionregistration.k8s.io/v1
                    kind: ValidatingWebhookConfiguration
                    metadata: {name: zz-test-delete-recorder}
                    webhooks:
                    - name: recorder.test.invalid
                      clientConfig: {url: "https://127.0.0.1:%d/", caBundle: %s}
                      rules: [{apiGroups: [""], apiVersions: [v1], operations: [DELETE], resources: [pods]}]
                      objectSelector: {matchLabels: {record: "yes"}}
                      failurePolicy: Fail
                      sideEffects: None
                      admissionReviewVersions: [v1]
                    """.formatted(recorder.getAddress().getPort(),
                    Base64.getEncoder().encodeToString(Files.readAllBytes(c.stack.caCertificate()))), "apply", "-f", "-")
                    .orThrow("apply the recording webhook");
            JsonNode pod = c.k8s.createPod("default", """
                    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"graceful-1","labels":{"record":"yes"}},
                     "spec":{"serviceAccountName":"app","terminationGracePeriodSeconds":120,
                             "containers":[{"name":"app","image":"registry.invalid/app:1"}]}}
                    """);
            String token = token(pod);
            assertThat(assume(token)).contains("/eks-" + CLUSTER + "-graceful-1-");
            Instant before = Instant.now().minusSeconds(1);
            // kubectl's default: the pod's own grace period (120 s); the API server makes it 0 for a pod on no node
            c.k8s.kubectl("delete", "pod", "graceful-1", "--wait=false").orThrow("graceful delete");
            assertThat(exists("graceful-1")).as("removed at once: it never ran").isFalse();
            assertThat(refusedAsDeleted(token, pod)).as("the tombstone says now, not in 120 s")
                    .isBetween(before, Instant.now().plusSeconds(1));
            System.out.println("DELETE reviews of an unscheduled pod (options): "
                    + reviews.stream().map(r -> r.path("options").toString()).toList());
            assertThat(reviews).isNotEmpty().allSatisfy(r -> {
                assertThat(r.path("operation").asText()).isEqualTo("DELETE");
                assertThat(r.path("options").path("gracePeriodSeconds").asLong(-1)).isZero();
            });
        } finally {
            c.k8s.kubectl("delete", "validatingwebhookconfiguration", "zz-test-delete-recorder", "--ignore-not-found");
            recorder.stop(0);
        }
    }

    @Test
    void gracefulDeleteOfAScheduledPod_keepsTheTokenUntilTheKubeletsFinalDelete() throws Exception {
        // bound to a node (no kubelet here): the API server only marks it terminating, as on a real node
        JsonNode pod = createPod("on-node-1", "\"nodeName\":\"node-1\",\"terminationGracePeriodSeconds\":120,");
        String token = token(pod);
        c.k8s.kubectl("delete", "pod", "on-node-1", "--wait=false").orThrow("graceful delete");
        JsonNode terminating = RealCluster.JSON.readTree(c.k8s.kubectl("get", "pod", "on-node-1", "-o", "json")
                .orThrow("get the terminating pod"));
        assertThat(terminating.path("metadata").path("deletionTimestamp").isTextual()).isTrue();
        assertThat(assume(token)).as("still shutting down: its grace period").contains("/eks-" + CLUSTER + "-on-node-1-");
        // what the kubelet sends once the containers stopped: DELETE with grace 0 and the pod's UID as precondition
        Instant before = Instant.now().minusSeconds(1);
        var r = c.k8s.api("DELETE", "/api/v1/namespaces/default/pods/on-node-1", """
                {"apiVersion":"v1","kind":"DeleteOptions","gracePeriodSeconds":0,"preconditions":{"uid":"%s"}}
                """.formatted(pod.path("metadata").path("uid").asText()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(exists("on-node-1")).isFalse();
        assertThat(refusedAsDeleted(token, pod)).isBetween(before, Instant.now().plusSeconds(1));
    }

    @Test
    void dryRunDelete_writesNoTombstone() throws Exception {
        JsonNode pod = createPod("dry-1", "");
        String token = token(pod);
        assume(token); // warms the keys cache
        String marker = "CLUSTER#" + CLUSTER;
        c.stack.dynamo().countRequestsMentioning(marker);
        Map<String, Integer> before = c.stack.dynamo().requestsMentioning(marker);
        long calls = c.stack.handlerInvocations();
        c.k8s.kubectl("delete", "pod", "dry-1", "--dry-run=server").orThrow("dry-run delete");
        assertThat(c.stack.handlerInvocations() - calls).as("the API server sent the dry-run review").isEqualTo(1);
        assertThat(c.stack.dynamo().requestsMentioning(marker).getOrDefault("PutItem", 0))
                .isEqualTo(before.getOrDefault("PutItem", 0));
        assertThat(exists("dry-1")).isTrue();
        assertThat(assume(token)).contains("/eks-" + CLUSTER + "-dry-1-");
    }

    @Test
    void theGarbageCollectorsDelete_goesThroughTheSameAdmission() throws Exception {
        // the garbage collector deletes a dependent pod as an API client: DELETE with a propagation policy and the
        // dependent's UID as precondition (no controller-manager here: this test sends that request itself)
        JsonNode pod = createPod("owned-1", "");
        String token = token(pod);
        String marker = "CLUSTER#" + CLUSTER;
        c.stack.dynamo().countRequestsMentioning(marker);
        int puts = c.stack.dynamo().requestsMentioning(marker).getOrDefault("PutItem", 0);
        Instant before = Instant.now().minusSeconds(1);
        var r = c.k8s.api("DELETE", "/api/v1/namespaces/default/pods/owned-1", """
                {"apiVersion":"v1","kind":"DeleteOptions","propagationPolicy":"Background","preconditions":{"uid":"%s"}}
                """.formatted(pod.path("metadata").path("uid").asText()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(exists("owned-1")).isFalse();
        // the API server reviews a pod removed at once more than once (when it marks it, and in the storage delete,
        // again when its cached copy was stale); each write keeps the earlier time
        System.out.println("tombstone writes for one delete: "
                + (c.stack.dynamo().requestsMentioning(marker).getOrDefault("PutItem", 0) - puts));
        assertThat(refusedAsDeleted(token, pod)).isBetween(before, Instant.now().plusSeconds(1));
    }

    @Test
    void diagnosis_reportsTheDeletedPod() throws Exception {
        JsonNode pod = createPod("diag-1", "");
        String token = token(pod);
        c.k8s.kubectl("delete", "pod", "diag-1", "--grace-period=0", "--force").orThrow("force delete");
        JsonNode step = podNotDeleted(token);
        assertThat(step.path("status").asText()).isEqualTo("FAIL");
        assertThat(step.path("detail").asText()).contains("default/diag-1", pod.path("metadata").path("uid").asText(),
                "was deleted at");
        JsonNode live = createPod("diag-2", "");
        assertThat(podNotDeleted(token(live)).path("status").asText()).isEqualTo("PASS");
    }

    /** DiagnosePodIdentity (SigV4 over https, as the admin) for a token of {@code app}: its podNotDeleted step. */
    JsonNode podNotDeleted(String token) throws IOException, InterruptedException {
        String body = RealCluster.JSON.createObjectNode().put("namespace", "default").put("serviceAccount", "app")
                .put("token", token).toString();
        SdkHttpRequest unsigned = SdkHttpRequest.builder().uri(URI.create(c.stack.apiUrl() + "/clusters/" + CLUSTER + "/diagnose"))
                .method(SdkHttpMethod.POST).putHeader("Content-Type", "application/json").build();
        AwsBasicCredentials admin = c.stack.adminCredentials();
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(s -> s
                .identity(AwsCredentialsIdentity.create(admin.accessKeyId(), admin.secretAccessKey()))
                .request(unsigned).payload(ContentStreamProvider.fromByteArray(body.getBytes(StandardCharsets.UTF_8)))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api")
                .putProperty(AwsV4HttpSigner.REGION_NAME, c.stack.region())
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.systemUTC())).request();
        HttpRequest.Builder request = HttpRequest.newBuilder(signed.getUri()).POST(HttpRequest.BodyPublishers.ofString(body));
        signed.headers().forEach((k, vs) -> {
            if (!k.equalsIgnoreCase("host") && !k.equalsIgnoreCase("content-length")) {
                vs.forEach(v -> request.header(k, v));
            }
        });
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(c.stack.tls().clientContext()).build();
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        for (JsonNode s : RealCluster.JSON.readTree(r.body()).path("steps")) {
            if ("podNotDeleted".equals(s.path("check").asText())) {
                return s;
            }
        }
        throw new AssertionError("no podNotDeleted step in " + r.body());
    }
}
