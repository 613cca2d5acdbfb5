package dev.podidentity.local.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Real components end to end: a real kube-apiserver calls the local stack's admission route (https) for every pod
 * CREATE, {@code cluster/install} registered the cluster from what kubectl read, the pod's token comes from
 * TokenRequest bound to the pod with the patched volume's expirationSeconds, and the STOCK eks-pod-identity-agent
 * (started with the applied DaemonSet's args and env) turns it into the associated role's credentials for the AWS
 * SDK for Java and the AWS CLI, given only the patched pod's env.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealClusterTest {
    static final String CLUSTER = "real-" + ProcessHandle.current().pid();
    RealCluster c;
    String roleArn;

    @BeforeAll
    void start() throws Exception {
        c = new RealCluster(CLUSTER);
        roleArn = c.role("real-app-" + ProcessHandle.current().pid());
        try (var eks = c.eks()) {
            eks.createPodIdentityAssociation(r -> r.clusterName(CLUSTER).namespace("default").serviceAccount("app")
                    .roleArn(roleArn));
        }
        c.k8s.createServiceAccount("default", "app");
        c.k8s.createServiceAccount("default", "other");
    }

    @AfterAll
    void stop() {
        if (c != null) {
            c.close();
        }
    }

    static String pod(String name, String serviceAccount, String extraSpec) {
        return """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},
                 "spec":{"serviceAccountName":"%s",%s"containers":[{"name":"app","image":"registry.invalid/app:1"}]}}
                """.formatted(name, serviceAccount, extraSpec);
    }

    /** The stored pod's projected token volume's expirationSeconds (the patch's). */
    static long expirationSeconds(JsonNode pod) {
        for (JsonNode v : pod.path("spec").path("volumes")) {
            if ("eks-pod-identity-token".equals(v.path("name").asText())) {
                return v.path("projected").path("sources").get(0).path("serviceAccountToken").path("expirationSeconds").asLong();
            }
        }
        throw new AssertionError("no eks-pod-identity-token volume in " + pod);
    }

    Path tokenFile(JsonNode pod, long seconds) throws IOException {
        String name = pod.path("metadata").path("name").asText();
        String token = c.k8s.podToken("default", pod.path("spec").path("serviceAccountName").asText(), name,
                pod.path("metadata").path("uid").asText(), seconds);
        return c.write(name + ".token", token);
    }

    @Test
    void installRegisteredTheClusterAndAppliedTheWebhook() {
        assertThat(c.installOutput).isNotNull();
        String url = c.k8s.kubectl("get", "mutatingwebhookconfiguration", "pod-identity",
                "-o", "jsonpath={.webhooks[0].clientConfig.url}").orThrow("get webhook");
        assertThat(url).startsWith(c.stack.apiUrl() + "/clusters/" + CLUSTER + "/admission/");
        try (var eks = c.eks()) {
            // the issuer kubectl read from the cluster's discovery document
            assertThat(eks.describeCluster(r -> r.name(CLUSTER)).cluster().identity().oidc().issuer())
                    .isEqualTo(c.k8s.issuer());
        }
    }

    @Test
    void associatedPodGetsTheRoleThroughTheStockAgentWithTheSdkAndTheCli() throws Exception {
        JsonNode pod = c.k8s.createPod("default", pod("app-1", "app", ""));
        JsonNode container = pod.path("spec").path("containers").get(0);
        String uri = RealCluster.env(container, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
        assertThat(uri).isEqualTo("http://169.254.170.23/v1/credentials");
        assertThat(RealCluster.env(container, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"))
                .isEqualTo("/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token");
        Path token = tokenFile(pod, expirationSeconds(pod));
        // the pod's env, with the token file where this test keeps it instead of the kubelet's mount
        Map<String, String> env = Map.of("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri,
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token.toString());

        JsonNode sdk = AgentClient.run(c.ns, env, List.of("sdk", c.stsEndpoint(), c.stack.region())).get(0);
        String roleName = roleArn.substring(roleArn.lastIndexOf('/') + 1);
        assertThat(sdk.path("error").asText()).isEmpty();
        assertThat(sdk.path("arn").asText()).contains(":assumed-role/" + roleName + "/eks-" + CLUSTER + "-app-1-");

        Map<String, String> cliEnv = new java.util.HashMap<>(env);
        cliEnv.put("AWS_ACCESS_KEY_ID", "");
        cliEnv.put("AWS_SECRET_ACCESS_KEY", "");
        cliEnv.put("AWS_PROFILE", "");
        cliEnv.put("AWS_CONFIG_FILE", "/dev/null");
        cliEnv.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
        var cli = c.inNamespace(List.of("env", "-u", "AWS_ACCESS_KEY_ID", "-u", "AWS_SECRET_ACCESS_KEY", "-u", "AWS_PROFILE",
                "aws", "sts", "get-caller-identity", "--endpoint-url", c.stsEndpoint(), "--region", c.stack.region(),
                "--output", "json"), cliEnv);
        assertThat(cli.exit()).as(cli.stderr()).isZero();
        assertThat(RealCluster.JSON.readTree(cli.stdout()).path("Arn").asText())
                .contains(":assumed-role/" + roleName + "/eks-" + CLUSTER + "-app-1-");
    }

    @Test
    void agentAnswersUnassociatedTamperedAndExpiredTokensAsTheRealAgentDoes() throws Exception {
        JsonNode other = c.k8s.createPod("default", pod("other-1", "other", ""));
        assertThat(RealCluster.env(other.path("spec").path("containers").get(0), "AWS_CONTAINER_CREDENTIALS_FULL_URI")).isNull();
        Path unassociated = tokenFile(other, 3600);
        JsonNode app = c.k8s.createPod("default", pod("app-2", "app", ""));
        String good = c.k8s.podToken("default", "app", "app-2", app.path("metadata").path("uid").asText(), 3600);
        String sig = good.substring(good.lastIndexOf('.') + 1);
        String tampered = good.substring(0, good.lastIndexOf('.') + 1) + (sig.charAt(0) == 'A' ? 'B' : 'A') + sig.substring(1);
        long past = Instant.now().getEpochSecond() - 600;
        String expired = c.k8s.resign(good, claims -> claims.put("exp", past).put("iat", past - 3600).put("nbf", past - 3600));
        long before = c.stack.handlerInvocations();
        List<JsonNode> answers = AgentClient.run(c.ns, Map.of(), List.of("fetch", "http://169.254.170.23/v1/credentials",
                unassociated.toString(), c.write("tampered.token", tampered).toString(),
                c.write("expired.token", expired).toString(), c.write("empty.token", "").toString()));
        System.out.println("stock agent answers: " + answers);
        assertThat(answers.get(0).path("status").asInt()).isEqualTo(404);
        assertThat(answers.get(0).path("contentType").asText()).startsWith("text/plain");
        assertThat(answers.get(1).path("status").asInt()).isBetween(400, 499);
        assertThat(answers.get(2).path("status").asInt()).isEqualTo(400);
        assertThat(answers.get(3).path("status").asInt()).isEqualTo(400);
        // the unassociated and tampered tokens reached the service; the expired and empty ones did not
        assertThat(c.stack.handlerInvocations() - before).isEqualTo(2);

        // the local agent stand-in answers the same: status, content type, body shape
        var local = c.stack.localCluster();
        String localUnassociated = local.mint("default", "nobody", "nobody-1", "uid-1", java.time.Duration.ofHours(1));
        String localExpired = local.mint("default", "app", "app-x", "uid-2", java.time.Duration.ofSeconds(-600));
        List<java.net.http.HttpResponse<String>> mine = new java.util.ArrayList<>();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (String token : List.of(localUnassociated, localExpired, "")) {
            var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(c.stack.agentCredentialsUri()));
            if (!token.isEmpty()) {
                request.header("Authorization", token);
            }
            mine.add(http.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString()));
        }
        int[] real = {0, 2, 3};
        String shape = "^\\[[^\\]]+\\]: \\(ResourceNotFoundException\\): .+, fault: client\n$";
        for (int i = 0; i < 3; i++) {
            JsonNode theirs = answers.get(real[i]);
            var ours = mine.get(i);
            assertThat(ours.statusCode()).as("status " + i).isEqualTo(theirs.path("status").asInt());
            assertThat(ours.headers().firstValue("Content-Type").orElse("")).isEqualTo(theirs.path("contentType").asText());
            if (i == 0) {
                assertThat(ours.body()).matches(shape);
                assertThat(theirs.path("body").asText()).matches(shape);
            } else {
                assertThat(ours.body()).isEqualTo(theirs.path("body").asText());
            }
        }
    }

    @Test
    void initContainersAndTheirOwnEnvArePatchedAndKept() throws IOException {
        JsonNode pod = c.k8s.createPod("default", """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"app-init"},
                 "spec":{"serviceAccountName":"app",
                  "initContainers":[{"name":"setup","image":"registry.invalid/setup:1"}],
                  "containers":[{"name":"app","image":"registry.invalid/app:1",
                                 "env":[{"name":"AWS_REGION","value":"eu-west-1"},{"name":"OWN","value":"kept"}]}]}}
                """);
        JsonNode init = pod.path("spec").path("initContainers").get(0);
        JsonNode app = pod.path("spec").path("containers").get(0);
        assertThat(RealCluster.env(init, "AWS_CONTAINER_CREDENTIALS_FULL_URI")).isNotNull();
        assertThat(RealCluster.env(app, "AWS_CONTAINER_CREDENTIALS_FULL_URI")).isNotNull();
        assertThat(RealCluster.env(app, "OWN")).isEqualTo("kept");
        assertThat(RealCluster.env(app, "AWS_REGION")).isEqualTo("eu-west-1");
    }

    @Test
    void aContainerAddedByALaterWebhookGetsTheEnvOnReinvocation() throws Exception {
        // named after ours: the API server calls webhooks in name order, so ours runs first and must be reinvoked
        try (TestWebhook sidecar = TestWebhook.start(c, "sidecar", "objectSelector: {matchLabels: {sidecar: \"yes\"}}", pod -> {
            for (JsonNode ct : pod.path("spec").path("containers")) {
                if ("sidecar".equals(ct.path("name").asText())) {
                    return null;
                }
            }
            return "[{\"op\":\"add\",\"path\":\"/spec/containers/-\",\"value\":{\"name\":\"sidecar\",\"image\":\"registry.invalid/sidecar:1\"}}]";
        })) {
            JsonNode pod = c.k8s.createPod("default", """
                    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"app-sidecar","labels":{"sidecar":"yes"}},
                     "spec":{"serviceAccountName":"app","containers":[{"name":"app","image":"registry.invalid/app:1"}]}}
                    """);
            JsonNode containers = pod.path("spec").path("containers");
            assertThat(containers).hasSize(2);
            assertThat(containers.get(1).path("name").asText()).isEqualTo("sidecar");
            assertThat(RealCluster.env(containers.get(1), "AWS_CONTAINER_CREDENTIALS_FULL_URI")).isNotNull();
            assertThat(RealCluster.env(containers.get(0), "AWS_CONTAINER_CREDENTIALS_FULL_URI")).isNotNull();
            assertThat(sidecar.calls()).isPositive();
        }
    }

    @Test
    void aDeletedAssociationStopsThePatch() throws Exception {
        c.k8s.createServiceAccount("default", "gone");
        String id;
        try (var eks = c.eks()) {
            id = eks.createPodIdentityAssociation(r -> r.clusterName(CLUSTER).namespace("default").serviceAccount("gone")
                    .roleArn(roleArn)).association().associationId();
        }
        JsonNode before = c.k8s.createPod("default", pod("gone-1", "gone", ""));
        assertThat(RealCluster.env(before.path("spec").path("containers").get(0), "AWS_CONTAINER_CREDENTIALS_FULL_URI")).isNotNull();
        Path token = tokenFile(before, expirationSeconds(before));
        try (var eks = c.eks()) {
            eks.deletePodIdentityAssociation(r -> r.clusterName(CLUSTER).associationId(id));
        }
        JsonNode after = c.k8s.createPod("default", pod("gone-2", "gone", ""));
        assertThat(RealCluster.env(after.path("spec").path("containers").get(0), "AWS_CONTAINER_CREDENTIALS_FULL_URI")).isNull();
        // the running pod's token no longer gets credentials
        JsonNode answer = AgentClient.run(c.ns, Map.of(), List.of("fetch", "http://169.254.170.23/v1/credentials",
                token.toString())).get(0);
        assertThat(answer.path("status").asInt()).isEqualTo(404);
    }
}
