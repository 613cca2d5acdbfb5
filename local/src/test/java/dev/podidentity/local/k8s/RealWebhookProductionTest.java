package dev.podidentity.local.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eksauth.EksAuthClient;
import software.amazon.awssdk.services.eksauth.model.InvalidTokenException;

/**
 * The webhook in production (every namespace but the agent's, opt-outs, fail-closed namespaces, conflicts with a
 * warning, IPv6 and region patches, a lowered token lifetime, {@code cluster/install --ca-bundle}) proven through a
 * real kube-apiserver v1.32: what it stores, what it refuses, what kubectl prints, what it counts in /metrics. "No
 * call" is proven by the local API Gateway's handler count, which nothing else moves while a pod is created.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealWebhookProductionTest {
    static final String CLUSTER = "prod-" + ProcessHandle.current().pid();
    static final String FULL_URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    static final String CA = "test.pod-identity.dev/webhook";
    RealCluster c;
    String roleArn;
    String jwks;

    @BeforeAll
    void start() throws Exception {
        c = new RealCluster(CLUSTER);
        roleArn = c.role("prod-app-" + ProcessHandle.current().pid());
        jwks = c.k8s.kubectl("get", "--raw", "/openid/v1/jwks").orThrow("read the JWKS");
        c.k8s.createServiceAccount("default", "app");
        associate(CLUSTER, "default", "app");
    }

    @AfterAll
    void stop() {
        if (c != null) {
            c.close();
        }
    }

    void associate(String cluster, String namespace, String serviceAccount) {
        try (var eks = c.eks()) {
            eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace(namespace).serviceAccount(serviceAccount)
                    .roleArn(roleArn));
        }
    }

    /** A namespace with labels, a service account {@code app} in it, associated in {@link #CLUSTER}. */
    void namespace(String name, String... labels) {
        c.k8s.kubectl("create", "namespace", name).orThrow("create namespace " + name);
        if (labels.length > 0) {
            List<String> args = new ArrayList<>(List.of("label", "namespace", name));
            args.addAll(List.of(labels));
            c.k8s.kubectl(args.toArray(String[]::new)).orThrow("label namespace " + name);
        }
        c.k8s.createServiceAccount(name, "app");
    }

    static String pod(String name, String labels, String spec) {
        return """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","labels":{%s}},
                 "spec":{"serviceAccountName":"app",%s"containers":[{"name":"app","image":"registry.invalid/app:1"}]}}
                """.formatted(name, labels, spec);
    }

    static JsonNode container(JsonNode pod, int i) {
        return pod.path("spec").path("containers").get(i);
    }

    static long count(JsonNode container, String env) {
        long n = 0;
        for (JsonNode e : container.path("env")) {
            n += env.equals(e.path("name").asText()) ? 1 : 0;
        }
        return n;
    }

    /** How many of the pod's volumes are named {@code name}. */
    static long volumes(JsonNode pod, String name) {
        long n = 0;
        for (JsonNode v : pod.path("spec").path("volumes")) {
            n += name.equals(v.path("name").asText()) ? 1 : 0;
        }
        return n;
    }

    /** A pod created through the API, and how many handler invocations the creation caused. */
    record Created(JsonNode pod, long calls) {
    }

    Created create(String namespace, String podJson) throws IOException {
        long before = c.stack.handlerInvocations();
        JsonNode pod = c.k8s.createPod(namespace, podJson);
        return new Created(pod, c.stack.handlerInvocations() - before);
    }

    /** {@code kubectl create -f -}: stdout, stderr (where kubectl prints the API server's warnings). */
    Proc.Result kubectlCreate(String namespace, String manifest) {
        return c.k8s.kubectlWithInput(manifest, "-n", namespace, "create", "-f", "-");
    }

    JsonNode getPod(String namespace, String name) throws IOException {
        return RealCluster.JSON.readTree(c.k8s.kubectl("-n", namespace, "get", "pod", name, "-o", "json").orThrow("get pod"));
    }

    // ------------------------------------------------------------------------------------------ 1. every namespace

    @Test
    void kubeSystemPodsArePatchedAndTheAgentsNamespaceIsNeverSent() throws IOException {
        c.k8s.createServiceAccount("kube-system", "app");
        associate(CLUSTER, "kube-system", "app");
        Created system = create("kube-system", pod("csi-1", "", ""));
        assertThat(system.calls()).isEqualTo(1);
        assertThat(RealCluster.env(container(system.pod(), 0), FULL_URI)).isEqualTo("http://169.254.170.23/v1/credentials");

        c.k8s.createServiceAccount("pod-identity-system", "app");
        associate(CLUSTER, "pod-identity-system", "app");
        Created agentNs = create("pod-identity-system", pod("agentish-1", "", ""));
        assertThat(agentNs.calls()).as("the API server never called the webhook").isZero();
        assertThat(RealCluster.env(container(agentNs.pod(), 0), FULL_URI)).isNull();
        assertThat(volumes(agentNs.pod(), "eks-pod-identity-token")).isZero();
    }

    // ------------------------------------------------------------------------------------------ 2. opt-out labels

    @Test
    void optOutLabelsOnANamespaceAndOnAPodMeanNoCallAndNoPatch() throws IOException {
        namespace("opted-out", "pod-identity.dev/inject=false");
        associate(CLUSTER, "opted-out", "app");
        Created inNamespace = create("opted-out", pod("app-1", "", ""));
        assertThat(inNamespace.calls()).isZero();
        assertThat(RealCluster.env(container(inNamespace.pod(), 0), FULL_URI)).isNull();

        Created labelled = create("default", pod("opt-out-1", "\"pod-identity.dev/inject\":\"false\"", ""));
        assertThat(labelled.calls()).isZero();
        assertThat(RealCluster.env(container(labelled.pod(), 0), FULL_URI)).isNull();

        // the control: the same pod without the label is sent and patched
        Created control = create("default", pod("opt-in-1", "\"pod-identity.dev/inject\":\"true\"", ""));
        assertThat(control.calls()).isEqualTo(1);
        assertThat(RealCluster.env(container(control.pod(), 0), FULL_URI)).isNotNull();
    }

    // ------------------------------------------------------------------------------------------ 3. fail-closed

    @Test
    void requiredNamespacesFailClosedWhenTheWebhookIsUnreachableOrItsKeyStale() throws Exception {
        namespace("strict", "pod-identity.dev/required=true");
        associate(CLUSTER, "strict", "app");
        Created ok = create("strict", pod("strict-ok", "", ""));
        assertThat(ok.calls()).isEqualTo(1);
        assertThat(RealCluster.env(container(ok.pod(), 0), FULL_URI)).as("the fail-closed entry patches").isNotNull();

        String url = webhookUrl();
        String stale = url.substring(0, url.lastIndexOf('/') + 1) + "A".repeat(url.length() - url.lastIndexOf('/') - 1);
        String unreachable = "https://127.0.0.1:" + Proc.freePort() + "/clusters/" + CLUSTER + "/admission/unreachable";
        Map<String, Double> before = webhookMetrics();
        List<String> measured = new ArrayList<>();
        try {
            for (String bad : List.of(stale, unreachable)) {
                setWebhookUrl(bad);
                String refusal = awaitRefusedInStrict();
                assertThat(refusal).contains("failed calling webhook \"required.pods.podidentity.dev\"");
                if (bad.equals(stale)) {
                    // our 403 reads as a Kubernetes Status: the API server passes its message on, not "unknown"
                    assertThat(refusal).contains("The webhook URL is not valid: use the webhookUrl RegisterCluster returned");
                }
                long calls = c.stack.handlerInvocations();
                Created lenient = create("default", pod("lenient-" + measured.size(), "", ""));
                long reached = c.stack.handlerInvocations() - calls;
                // the API server called us (403, the key is not the cluster's), or could not reach us: either way
                // a default-namespace pod starts, without the patch
                assertThat(reached).isEqualTo(bad.equals(stale) ? 1 : 0);
                assertThat(RealCluster.env(container(lenient.pod(), 0), FULL_URI)).isNull();
                measured.add(bad.equals(stale) ? "stale key: " + refusal : "unreachable: " + refusal);
            }
        } finally {
            setWebhookUrl(url);
        }
        Map<String, Double> after = webhookMetrics();
        System.out.println("fail-closed refusals: " + measured + "\nkube-apiserver metrics before " + before + " after " + after);
        if (!after.isEmpty()) {
            assertThat(after.get("rejection")).isGreaterThanOrEqualTo(before.getOrDefault("rejection", 0.0) + 2);
            assertThat(after.get("failOpen")).isGreaterThanOrEqualTo(before.getOrDefault("failOpen", 0.0) + 2);
        }
        // restored: the strict namespace is served again
        awaitPod("strict", p -> RealCluster.env(container(p, 0), FULL_URI) != null);
    }

    String webhookUrl() {
        return c.k8s.kubectl("get", "mutatingwebhookconfiguration", "pod-identity",
                "-o", "jsonpath={.webhooks[0].clientConfig.url}").orThrow("get webhook");
    }

    void setWebhookUrl(String url) {
        String patch = "[{\"op\":\"replace\",\"path\":\"/webhooks/0/clientConfig/url\",\"value\":\"" + url + "\"},"
                + "{\"op\":\"replace\",\"path\":\"/webhooks/1/clientConfig/url\",\"value\":\"" + url + "\"}]";
        c.k8s.kubectl("patch", "mutatingwebhookconfiguration", "pod-identity", "--type=json", "-p", patch)
                .orThrow("patch the webhook URL");
    }

    /** Creates strict-namespace pods until the API server refuses one (it reads webhook changes asynchronously). */
    String awaitRefusedInStrict() throws IOException {
        Instant deadline = Instant.now().plusSeconds(20);
        for (int i = 0; Instant.now().isBefore(deadline); i++) {
            HttpResponse<String> r = c.k8s.api("POST", "/api/v1/namespaces/strict/pods?dryRun=All",
                    pod("strict-refused-" + i, "", ""));
            if (r.statusCode() != 201) {
                assertThat(r.statusCode()).as(r.body()).isBetween(400, 599);
                return RealCluster.JSON.readTree(r.body()).path("message").asText();
            }
            KubeApiServer.sleep(200);
        }
        throw new AssertionError("the API server kept admitting strict-namespace pods");
    }

    void awaitPod(String namespace, Predicate<JsonNode> done) throws IOException {
        Instant deadline = Instant.now().plusSeconds(20);
        for (int i = 0; Instant.now().isBefore(deadline); i++) {
            HttpResponse<String> r = c.k8s.api("POST", "/api/v1/namespaces/" + namespace + "/pods?dryRun=All",
                    pod("await-" + i, "", ""));
            if (r.statusCode() == 201 && done.test(RealCluster.JSON.readTree(r.body()))) {
                return;
            }
            KubeApiServer.sleep(200);
        }
        throw new AssertionError("the webhook did not come back in " + namespace);
    }

    /**
     * kube-apiserver's own counts for our two entries: {@code rejection} (calls to the fail-closed entry that failed)
     * and {@code failOpen} (failed calls to the fail-open entry); empty when /metrics cannot be read.
     */
    Map<String, Double> webhookMetrics() throws IOException {
        HttpResponse<String> r = c.k8s.api("GET", "/metrics", null);
        if (r.statusCode() != 200) {
            return Map.of();
        }
        double rejection = 0;
        double failOpen = 0;
        for (String line : r.body().split("\n")) {
            if (line.startsWith("apiserver_admission_webhook_rejection_count{")
                    && line.contains("name=\"required.pods.podidentity.dev\"")) {
                rejection += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("apiserver_admission_webhook_fail_open_count{")
                    && line.contains("name=\"pods.podidentity.dev\"")) {
                failOpen += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Map.of("rejection", rejection, "failOpen", failOpen);
    }

    // ------------------------------------------------------------------------------------------ 4. conflicts

    @Test
    void aConflictingPodIsCreatedUnpatchedAndKubectlPrintsOurWarning() throws IOException {
        Proc.Result ownVolume = kubectlCreate("default", pod("own-volume", "",
                "\"volumes\":[{\"name\":\"eks-pod-identity-token\",\"emptyDir\":{}}],"));
        assertThat(ownVolume.exit()).as(ownVolume.stderr()).isZero();
        assertThat(ownVolume.stderr()).contains("Warning: EKS Pod Identity: no AWS credentials injected")
                .contains("eks-pod-identity-token");
        JsonNode stored = getPod("default", "own-volume");
        assertThat(RealCluster.env(container(stored, 0), FULL_URI)).isNull();
        assertThat(volumes(stored, "eks-pod-identity-token")).as("the pod's own, nothing added").isEqualTo(1);
        assertThat(stored.path("spec").path("volumes").get(0).has("emptyDir")).isTrue();

        Proc.Result ownMount = kubectlCreate("default", """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"own-mount"},
                 "spec":{"serviceAccountName":"app","volumes":[{"name":"mine","emptyDir":{}}],
                  "containers":[{"name":"app","image":"registry.invalid/app:1",
                   "volumeMounts":[{"name":"mine","mountPath":"/var/run/secrets/pods.eks.amazonaws.com/serviceaccount"}]}]}}
                """);
        assertThat(ownMount.exit()).as(ownMount.stderr()).isZero();
        assertThat(ownMount.stderr()).contains("Warning: EKS Pod Identity: no AWS credentials injected")
                .contains("container app mounts mine");
        System.out.println("kubectl printed: " + ownVolume.stderr().strip() + " | " + ownMount.stderr().strip());
        JsonNode mounted = getPod("default", "own-mount");
        assertThat(RealCluster.env(container(mounted, 0), FULL_URI)).isNull();
        assertThat(volumes(mounted, "eks-pod-identity-token")).isZero();
    }

    // ------------------------------------------------------------------------------------------ 5. region, IPv6

    @Test
    void regionIsInjectedWhereAContainerSetsNeitherAndAppendedToItsEnv() throws IOException {
        JsonNode pod = create("default", """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"region-1"},
                 "spec":{"serviceAccountName":"app","containers":[
                  {"name":"bare","image":"registry.invalid/app:1"},
                  {"name":"own-env","image":"registry.invalid/app:1","env":[{"name":"OWN","value":"kept"}]},
                  {"name":"own-default-region","image":"registry.invalid/app:1",
                   "env":[{"name":"AWS_DEFAULT_REGION","value":"ap-south-1"}]}]}}
                """).pod();
        String region = c.stack.region();
        JsonNode bare = container(pod, 0);
        assertThat(RealCluster.env(bare, "AWS_REGION")).isEqualTo(region);
        assertThat(RealCluster.env(bare, "AWS_DEFAULT_REGION")).isEqualTo(region);
        JsonNode ownEnv = container(pod, 1);
        assertThat(ownEnv.path("env").get(0).path("name").asText()).as("appended after the pod's own").isEqualTo("OWN");
        assertThat(RealCluster.env(ownEnv, "AWS_REGION")).isEqualTo(region);
        assertThat(RealCluster.env(ownEnv, FULL_URI)).isNotNull();
        JsonNode ownRegion = container(pod, 2);
        assertThat(RealCluster.env(ownRegion, "AWS_DEFAULT_REGION")).isEqualTo("ap-south-1");
        assertThat(RealCluster.env(ownRegion, "AWS_REGION")).as("the container chose a region").isNull();
        assertThat(RealCluster.env(ownRegion, FULL_URI)).isNotNull();
    }

    @Test
    void anIpv6ClusterGetsTheIpv6UriAndItsRegionAndAReinvocationChangesNothing() throws Exception {
        // a second registration of this API server, for IPv6 with a region of its own, served to one namespace by a
        // webhook configuration of its own (a fresh cluster: no webhook settings cached from the other tests)
        String v6 = CLUSTER + "-v6";
        JsonNode registered = register(v6, ", \"ipFamily\": \"ipv6\", \"region\": \"eu-central-1\"");
        assertThat(registered.path("cluster").path("ipFamily").asText()).isEqualTo("ipv6");
        namespace("six", "pod-identity.dev/inject=false", CA + "=v6");
        associate(v6, "six", "app");
        c.k8s.kubectlWithInput("""
                apiVersion: admissionregistration.k8s.io/v1
                kind: MutatingWebhookConfiguration
                metadata: {name: pod-identity-v6}
                webhooks:
                - name: v6.pods.podidentity.dev
                  clientConfig: {url: "%s", caBundle: %s}
                  rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}]
                  namespaceSelector: {matchLabels: {%s: v6}}
                  failurePolicy: Fail
                  reinvocationPolicy: IfNeeded
                  sideEffects: None
                  admissionReviewVersions: [v1]
                """.formatted(registered.path("webhookUrl").asText(), TestWebhook.caBundle(c), CA), "apply", "-f", "-")
                .orThrow("apply the v6 webhook");
        // a later webhook that changes only a label: the API server reinvokes ours on the patched pod
        try (TestWebhook labeller = TestWebhook.start(c, "labeller", "namespaceSelector: {matchLabels: {" + CA + ": v6}}",
                pod -> pod.path("metadata").path("labels").has("relabelled") ? null
                        : pod.path("metadata").has("labels")
                        ? "[{\"op\":\"add\",\"path\":\"/metadata/labels/relabelled\",\"value\":\"yes\"}]"
                        : "[{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":{\"relabelled\":\"yes\"}}]")) {
            Instant deadline = Instant.now().plusSeconds(20);
            JsonNode pod = null;
            long calls = 0;
            Proc.Result created = null;
            for (int i = 0; Instant.now().isBefore(deadline); i++) {
                long before = c.stack.handlerInvocations();
                created = kubectlCreate("six", """
                        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"six-%d"},
                         "spec":{"serviceAccountName":"app","containers":[{"name":"app","image":"registry.invalid/app:1",
                          "env":[{"name":"OWN","value":"kept"}]}]}}
                        """.formatted(i));
                assertThat(created.exit()).as(created.stderr()).isZero();
                calls = c.stack.handlerInvocations() - before;
                pod = getPod("six", "six-" + i);
                if (pod.path("metadata").path("labels").has("relabelled") && RealCluster.env(container(pod, 0), FULL_URI) != null) {
                    break; // both configurations are in effect
                }
                KubeApiServer.sleep(200);
            }
            JsonNode app = container(pod, 0);
            assertThat(RealCluster.env(app, FULL_URI)).isEqualTo("http://[fd00:ec2::23]/v1/credentials");
            assertThat(RealCluster.env(app, "AWS_REGION")).isEqualTo("eu-central-1");
            assertThat(RealCluster.env(app, "AWS_DEFAULT_REGION")).isEqualTo("eu-central-1");
            assertThat(app.path("env").get(0).path("name").asText()).isEqualTo("OWN");
            // called twice (the first call and the reinvocation), patched once, no conflict warning
            assertThat(calls).isEqualTo(2);
            for (String name : List.of(FULL_URI, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_REGION", "AWS_DEFAULT_REGION")) {
                assertThat(count(app, name)).as(name).isEqualTo(1);
            }
            assertThat(volumes(pod, "eks-pod-identity-token")).isEqualTo(1);
            assertThat(created.stderr()).doesNotContain("Warning");
            assertThat(labeller.calls()).isPositive();
        } finally {
            c.k8s.kubectl("delete", "mutatingwebhookconfiguration", "pod-identity-v6", "--ignore-not-found");
        }
    }

    // ------------------------------------------------------------------------------------------ 6. token lifetime

    @Test
    void aLoweredTokenLifetimeStillAcceptsTokensIssuedUnderThePreviousOne() throws Exception {
        // a registration of its own: its first credential request comes after the lowering (nothing cached)
        String lowered = CLUSTER + "-lt";
        register(lowered, ", \"podTokenLifetimeSeconds\": 86400");
        associate(lowered, "default", "app");
        JsonNode pod = c.k8s.createPod("default", pod("lifetime-1", "", ""));
        String uid = pod.path("metadata").path("uid").asText();
        String day = c.k8s.podToken("default", "app", "lifetime-1", uid, 86400);
        String twoDays = c.k8s.podToken("default", "app", "lifetime-1", uid, 172800);
        Instant lowering = Instant.now();
        register(lowered, ", \"podTokenLifetimeSeconds\": 3600");

        JsonNode described = describe(lowered);
        System.out.println("after lowering: " + described);
        assertThat(described.path("podTokenLifetimeSeconds").asInt()).isEqualTo(3600);
        assertThat(described.path("previousPodTokenLifetimeSeconds").asInt()).isEqualTo(86400);
        Instant effectiveAt = timestamp(described.path("podTokenLifetimeEffectiveAt"));
        assertThat(effectiveAt).isAfter(lowering.plusSeconds(86400))
                .isBefore(Instant.now().plusSeconds(86400 + 3600));

        // a control registered at 3600 from the start refuses the same day-long token
        String strict = CLUSTER + "-lt0";
        register(strict, ", \"podTokenLifetimeSeconds\": 3600");
        associate(strict, "default", "app");
        try (EksAuthClient auth = eksAuth()) {
            var credentials = auth.assumeRoleForPodIdentity(r -> r.clusterName(lowered).token(day));
            assertThat(credentials.assumedRoleUser().arn()).contains(roleArn.substring(roleArn.lastIndexOf('/') + 1));
            assertThatThrownBy(() -> auth.assumeRoleForPodIdentity(r -> r.clusterName(lowered).token(twoDays)))
                    .as("longer than the previous limit").isInstanceOf(InvalidTokenException.class);
            assertThatThrownBy(() -> auth.assumeRoleForPodIdentity(r -> r.clusterName(strict).token(day)))
                    .as("never lowered").isInstanceOf(InvalidTokenException.class);
        }
    }

    static Instant timestamp(JsonNode value) {
        return value.isNumber() ? Instant.ofEpochMilli((long) (value.asDouble() * 1000)) : Instant.parse(value.asText());
    }

    EksAuthClient eksAuth() {
        return EksAuthClient.builder().endpointOverride(URI.create(c.stack.apiUrl())).region(Region.of(c.stack.region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIANODEROLE0000", "node-secret")))
                .httpClient(UrlConnectionHttpClient.builder().tlsTrustManagersProvider(c.stack.tls()::trustManagers).build())
                .build();
    }

    // ------------------------------------------------------------------------------------------ 7. cluster/install

    @Test
    void installWithACaBundlePutsItInEveryEntryAndAppliesTheAgentsBindAndMetricsAddresses() throws IOException {
        String ca = Base64.getEncoder().encodeToString(Files.readAllBytes(c.stack.caCertificate()));
        JsonNode mutating = RealCluster.JSON.readTree(c.k8s.kubectl("get", "mutatingwebhookconfiguration", "pod-identity",
                "-o", "json").orThrow("get the mutating webhooks"));
        JsonNode deletions = RealCluster.JSON.readTree(c.k8s.kubectl("get", "validatingwebhookconfiguration",
                "pod-identity-deletions", "-o", "json").orThrow("get the deletions webhook"));
        assertThat(mutating.path("webhooks")).hasSize(2);
        for (JsonNode webhook : List.of(mutating.path("webhooks").get(0), mutating.path("webhooks").get(1),
                deletions.path("webhooks").get(0))) {
            assertThat(webhook.path("clientConfig").path("caBundle").asText()).as(webhook.path("name").asText()).isEqualTo(ca);
        }
        JsonNode daemonSet = RealCluster.JSON.readTree(c.k8s.kubectl("-n", "pod-identity-system", "get", "daemonset",
                "eks-pod-identity-agent", "-o", "json").orThrow("get the agent"));
        List<String> args = new ArrayList<>();
        for (JsonNode ct : daemonSet.path("spec").path("template").path("spec").path("containers")) {
            if (ct.path("args").size() > 0) {
                ct.path("args").forEach(a -> args.add(a.asText()));
            }
        }
        assertThat(args.get(args.indexOf("--bind-hosts") + 1)).isEqualTo("169.254.170.23");
        assertThat(args.get(args.indexOf("--metrics-address") + 1)).isEqualTo("127.0.0.1");
        // and the stock agent this fixture runs was started with exactly those
        assertThat(c.agent.args()).containsSubsequence("--bind-hosts", "169.254.170.23")
                .containsSubsequence("--metrics-address", "127.0.0.1");
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** RegisterCluster for this API server's issuer and keys, signed as the admin; answers the response. */
    JsonNode register(String name, String extraMembers) throws IOException {
        String body = "{\"issuer\": \"" + c.k8s.issuer() + "\", \"jwks\": " + jwks + extraMembers + "}";
        HttpResponse<String> r = signed("PUT", "/clusters/" + name, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return RealCluster.JSON.readTree(r.body());
    }

    JsonNode describe(String name) throws IOException {
        HttpResponse<String> r = signed("GET", "/clusters/" + name, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode json = RealCluster.JSON.readTree(r.body());
        return json.has("cluster") ? json.path("cluster") : json;
    }

    HttpResponse<String> signed(String method, String path, String body) throws IOException {
        return c.signed(method, path, body);
    }
}
