package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cluster/install} and the kustomize manifests in {@code cluster/}: what the dry run renders (parsed, not
 * grepped), the real flow against the local stack with a stub {@code kubectl} that answers the cluster's issuer and
 * keys and records what {@code kubectl apply} receives, and the error paths.
 */
class ClusterInstallTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path INSTALL = ROOT.resolve("cluster/install");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final String EXECUTE_API = "https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod";
    static final String AGENT = "eks-pod-identity-agent";

    @TempDir
    Path dir;
    Path stubBin;

    record Result(int exit, String stdout, String stderr) {
    }

    @BeforeEach
    void stubKubectl() throws IOException {
        stubBin = Files.createDirectories(dir.resolve("bin"));
        // the cluster, as far as cluster/install can tell: issuer and keys from files, rendering by the real
        // kubectl (offline), apply recorded, no MutatingWebhookConfiguration installed unless mwc-url exists
        Path stub = stubBin.resolve("kubectl");
        Files.writeString(stub, """
                #!/usr/bin/env bash
                set -euo pipefail
                args=()
                while [[ $# -gt 0 ]]; do
                  case "$1" in
                    --context|--kubeconfig) echo "$1 $2" >> "$STUB_DIR/flags"; shift 2 ;;
                    *) args+=("$1"); shift ;;
                  esac
                done
                set -- "${args[@]}"
                case "$1 ${2:-}" in
                  "get --raw")
                    case "$3" in
                      /.well-known/openid-configuration) cat "$STUB_DIR/openid-configuration.json" ;;
                      /openid/v1/jwks) cat "$STUB_DIR/jwks.json" ;;
                      *) echo "Error from server (NotFound): the server could not find the requested resource" >&2; exit 1 ;;
                    esac ;;
                  "kustomize "*) exec "$REAL_KUBECTL" "$@" ;;
                  "get svc")
                    if [[ -f "$STUB_DIR/cluster-ip" ]]; then cat "$STUB_DIR/cluster-ip"; else echo -n 10.96.0.1; fi ;;
                  "apply "*) echo "$*" > "$STUB_DIR/apply-args"; cat > "$STUB_DIR/applied.yaml" ;;
                  "get mutatingwebhookconfiguration")
                    if [[ -f "$STUB_DIR/mwc-error" ]]; then cat "$STUB_DIR/mwc-error" >&2; exit 1; fi
                    if [[ -f "$STUB_DIR/mwc-url" ]]; then cat "$STUB_DIR/mwc-url"; else
                      echo "Error from server (NotFound): mutatingwebhookconfigurations \\"$3\\" not found" >&2; exit 1; fi ;;
                  "config view") echo "stub-context" ;;
                  "get daemonsets") cat "$STUB_DIR/daemonsets" 2>/dev/null || true ;;
                  "create --dry-run=server")
                    cat > "$STUB_DIR/dry-run-pod.json"
                    [[ -f "$STUB_DIR/webhook-unreachable" ]] || echo "Warning: EKS Pod Identity webhook reached (dry run)" >&2
                    echo "pod/pod-identity-install-check-x" ;;
                  *) echo "stub kubectl: unexpected: $*" >&2; exit 2 ;;
                esac
                """);
        assertThat(stub.toFile().setExecutable(true)).isTrue();
    }

    // ------------------------------------------------------------------------------------------------- dry run

    @Test
    void dryRun_rendersTheStockAgentAndTheWebhook_fromTheGivenValues() throws Exception {
        requireKubectl();
        Path jwks = Files.writeString(dir.resolve("jwks.json"), Keys.rsaJwks("dry-key-1"));
        String webhookUrl = EXECUTE_API + "/clusters/dry-1/admission/not-a-real-key";

        Result r = install(Map.of(), "--dry-run", "--cluster", "dry-1", "--api-url", EXECUTE_API,
                "--issuer", "https://kubernetes.default.svc.cluster.local", "--jwks-file", jwks.toString(),
                "--webhook-url", webhookUrl);

        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stderr()).contains("https://kubernetes.default.svc.cluster.local", "dry-key-1",
                EXECUTE_API + "/clusters/dry-1", "nothing was registered or applied");
        List<JsonNode> objects = parseAll(r.stdout());
        assertThat(objects).extracting(o -> o.path("kind").asText())
                .containsExactlyInAnyOrder("Namespace", "DaemonSet", "MutatingWebhookConfiguration",
                        "ValidatingWebhookConfiguration");

        JsonNode ds = only(objects, "DaemonSet");
        String namespace = ds.at("/metadata/namespace").asText();
        assertThat(only(objects, "Namespace").at("/metadata/name").asText()).isEqualTo(namespace);
        JsonNode pod = ds.at("/spec/template/spec");
        assertThat(pod.path("hostNetwork").asBoolean()).isTrue();
        assertThat(pod.path("priorityClassName").asText()).isEqualTo("system-node-critical");
        assertThat(pod.path("tolerations").findValuesAsText("operator")).contains("Exists");

        JsonNode agent = named(pod.path("containers"), AGENT);
        String image = agent.path("image").asText();
        assertThat(image).matches("public\\.ecr\\.aws/eks/eks-pod-identity-agent:\\d+\\.\\d+\\.\\d+");
        assertThat(texts(agent.path("command"))).endsWith("server");
        Map<String, String> args = flags(agent.path("args"));
        assertThat(args).containsEntry("--cluster-name", "dry-1")
                .containsEntry("--endpoint", EXECUTE_API + "/")
                .containsEntry("--port", "80");
        // renewed well before this service's one-hour credentials expire
        Duration retention = goDuration(args.get("--max-credential-retention-before-renewal"));
        assertThat(retention).isGreaterThanOrEqualTo(Duration.ofMinutes(15)).isLessThanOrEqualTo(Duration.ofMinutes(45));

        Map<String, String> env = env(agent.path("env"));
        assertThat(env).containsEntry("AWS_REGION", "eu-west-1"); // from the execute-api hostname
        assertThat(env.get("AWS_ACCESS_KEY_ID")).isNotBlank().containsIgnoringCase("dummy");
        assertThat(env.get("AWS_SECRET_ACCESS_KEY")).isNotBlank().containsIgnoringCase("dummy");

        int probePort = Integer.parseInt(args.get("--probe-port"));
        JsonNode probesPort = named(agent.path("ports"), "probes-port");
        assertThat(probesPort.path("containerPort").asInt()).isEqualTo(probePort);
        for (String probe : List.of("livenessProbe", "readinessProbe")) {
            assertThat(agent.at("/" + probe + "/httpGet/port").asText()).as(probe).isEqualTo("probes-port");
        }
        assertThat(agent.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
        assertThat(agent.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");

        JsonNode init = named(pod.path("initContainers"), AGENT + "-init");
        assertThat(init.path("image").asText()).isEqualTo(image);
        assertThat(texts(init.path("command"))).endsWith("initialize");
        assertThat(init.at("/securityContext/privileged").asBoolean()).isTrue();

        JsonNode webhook = only(objects, "MutatingWebhookConfiguration").path("webhooks").get(0);
        assertThat(webhook.at("/clientConfig/url").asText()).isEqualTo(webhookUrl);
        assertThat(webhook.at("/clientConfig/caBundle").isMissingNode()).isTrue();
        assertThat(webhook.path("failurePolicy").asText()).isEqualTo("Ignore");
        assertThat(webhook.path("sideEffects").asText()).isEqualTo("None");
        assertThat(webhook.path("reinvocationPolicy").asText()).isEqualTo("IfNeeded");
        assertThat(webhook.path("matchPolicy").asText()).isEqualTo("Equivalent");
        assertThat(texts(webhook.path("admissionReviewVersions"))).containsExactly("v1");
        assertThat(webhook.path("timeoutSeconds").asInt()).isBetween(10, 30);
        JsonNode rule = webhook.path("rules").get(0);
        assertThat(texts(rule.path("operations"))).containsExactly("CREATE");
        assertThat(texts(rule.path("resources"))).containsExactly("pods");
        JsonNode exclusion = webhook.at("/namespaceSelector/matchExpressions").get(0);
        assertThat(exclusion.path("key").asText()).isEqualTo("kubernetes.io/metadata.name");
        assertThat(exclusion.path("operator").asText()).isEqualTo("NotIn");
        assertThat(texts(exclusion.path("values"))).containsExactly(namespace);

        // pod deletions: the same URL and exclusions, never blocking, nothing written on a dry run
        JsonNode deletions = only(objects, "ValidatingWebhookConfiguration").path("webhooks").get(0);
        assertThat(deletions.at("/clientConfig/url").asText()).isEqualTo(webhookUrl);
        assertThat(deletions.path("failurePolicy").asText()).isEqualTo("Ignore");
        assertThat(deletions.path("sideEffects").asText()).isEqualTo("NoneOnDryRun");
        assertThat(texts(deletions.path("admissionReviewVersions"))).containsExactly("v1");
        assertThat(deletions.path("timeoutSeconds").asInt()).isEqualTo(webhook.path("timeoutSeconds").asInt());
        JsonNode deleteRule = deletions.path("rules").get(0);
        assertThat(texts(deleteRule.path("operations"))).containsExactly("DELETE");
        assertThat(texts(deleteRule.path("resources"))).containsExactly("pods");
        // both mutating entries' exclusions and opt-outs (the fail-closed split aside): the agent's namespace, opted out
        JsonNode deletionNamespaces = deletions.at("/namespaceSelector/matchExpressions");
        assertThat(deletionNamespaces).hasSize(2);
        assertThat(deletionNamespaces.get(0)).isEqualTo(webhook.at("/namespaceSelector/matchExpressions").get(0));
        assertThat(deletionNamespaces.get(1)).isEqualTo(webhook.at("/namespaceSelector/matchExpressions").get(1));
        assertThat(deletions.path("objectSelector")).isEqualTo(webhook.path("objectSelector"));
    }

    @Test
    void dryRun_changesNothing_andMarksTheWebhookUrlAsAPlaceholder() throws Exception {
        requireKubectl();
        String name = TestStack.unique("dry");
        clusterAnswers("https://oidc.test/" + name, Keys.rsaJwks("dry-key-2"));

        Result r = install(adminEnv(), "--dry-run", "--cluster", name, "--api-url", TestStack.get().apiUrl(),
                "--kube-context", "test-context");

        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stderr()).contains("https://oidc.test/" + name, "dry-key-2", "PLACEHOLDER");
        JsonNode webhook = only(parseAll(r.stdout()), "MutatingWebhookConfiguration").path("webhooks").get(0);
        assertThat(webhook.at("/clientConfig/url").asText()).startsWith("https://").contains(".invalid/");
        assertThat(dir.resolve("applied.yaml")).doesNotExist();
        assertThat(Files.readString(dir.resolve("flags"))).contains("--context test-context");
        ClusterApi.Response describe = ClusterApi.signed("GET", "/clusters/" + name, null);
        assertThat(describe.status()).isEqualTo(404);
        assertThat(describe.errorType()).isEqualTo("ResourceNotFoundException");
    }

    @Test
    void theExampleOverlay_rendersOffline() throws Exception {
        Path kubectl = requireKubectl();
        // no cluster and no network: a kubeconfig that does not exist and a proxy that refuses everything
        Result r = run(Map.of("KUBECONFIG", dir.resolve("none").toString(), "HTTPS_PROXY", "http://127.0.0.1:1"),
                kubectl.toString(), "kustomize", ROOT.resolve("cluster/example").toString());

        assertThat(r.exit()).as(r.stderr()).isZero();
        List<JsonNode> objects = parseAll(r.stdout());
        assertThat(objects).extracting(o -> o.path("kind").asText())
                .containsExactlyInAnyOrder("Namespace", "DaemonSet", "MutatingWebhookConfiguration",
                        "ValidatingWebhookConfiguration");
        JsonNode agent = named(only(objects, "DaemonSet").at("/spec/template/spec/containers"), AGENT);
        assertThat(flags(agent.path("args"))).containsEntry("--cluster-name", "my-cluster");
        assertThat(env(agent.path("env"))).containsEntry("AWS_REGION", "us-east-1");
    }

    @Test
    void dryRun_addsTheCaBundle_whenGiven() throws Exception {
        requireKubectl();
        Path jwks = Files.writeString(dir.resolve("jwks.json"), Keys.rsaJwks("ca-key-1"));
        String pem = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
        Path ca = Files.writeString(dir.resolve("ca.pem"), pem);

        Result r = install(Map.of(), "--dry-run", "--cluster", "ca-1", "--api-url", EXECUTE_API,
                "--issuer", "https://oidc.test/ca-1", "--jwks-file", jwks.toString(), "--ca-bundle", ca.toString(),
                "--webhook-url", "https://hooks.internal.example/clusters/ca-1/admission/k");

        assertThat(r.exit()).as(r.stderr()).isZero();
        for (String kind : List.of("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")) {
            JsonNode webhook = only(parseAll(r.stdout()), kind).path("webhooks").get(0);
            assertThat(new String(Base64.getDecoder().decode(webhook.at("/clientConfig/caBundle").asText()),
                    StandardCharsets.UTF_8)).as(kind).isEqualTo(pem);
        }
    }

    @Test
    void dryRun_detectsTheIpFamily_fromTheKubernetesService_andBindsTheAgentToIt() throws Exception {
        requireKubectl();
        Path jwks = Files.writeString(dir.resolve("jwks.json"), Keys.rsaJwks("v6-key-1"));
        for (String clusterIp : List.of("10.96.0.1", "fd00:10:96::1")) {
            Files.writeString(dir.resolve("cluster-ip"), clusterIp);
            Result r = install(Map.of(), "--dry-run", "--cluster", "fam-1", "--api-url", EXECUTE_API,
                    "--issuer", "https://oidc.test/fam-1", "--jwks-file", jwks.toString(),
                    "--webhook-url", "https://hooks.internal.example/clusters/fam-1/admission/k");
            assertThat(r.exit()).as(r.stderr()).isZero();
            boolean v6 = clusterIp.contains(":");
            assertThat(r.stderr()).contains("ipFamily: " + (v6 ? "ipv6" : "ipv4"));
            JsonNode agent = named(only(parseAll(r.stdout()), "DaemonSet").at("/spec/template/spec/containers"), AGENT);
            assertThat(flags(agent.path("args"))).containsEntry("--bind-hosts", v6 ? "[fd00:ec2::23]" : "169.254.170.23");
        }
    }

    @Test
    void theDemoPod_usesTheDemoServiceAccount() throws Exception {
        List<JsonNode> objects = parseAll(Files.readString(ROOT.resolve("cluster/demo/whoami.yaml")));
        JsonNode account = only(objects, "ServiceAccount");
        JsonNode pod = only(objects, "Pod");
        assertThat(pod.at("/spec/serviceAccountName").asText()).isEqualTo(account.at("/metadata/name").asText());
        assertThat(pod.at("/metadata/namespace").asText()).isEqualTo(account.at("/metadata/namespace").asText());
        assertThat(texts(pod.at("/spec/containers/0/args"))).containsExactly("sts", "get-caller-identity");
    }

    // ------------------------------------------------------------------------------------------------ real flow

    @Test
    void install_registersTheCluster_andAppliesTheManifests_withTheGivenWebhookUrl() throws Exception {
        requireKubectl();
        String name = TestStack.unique("installed");
        String issuer = "https://oidc.test/" + name;
        clusterAnswers(issuer, Keys.rsaJwks("install-key-1"));
        String webhookUrl = "https://hooks.example/clusters/" + name + "/admission/secret-webhook-key";

        Result r = install(adminEnv(), "--cluster", name, "--api-url", TestStack.get().apiUrl(),
                "--webhook-url", webhookUrl);

        assertThat(r.exit()).as(r.stderr()).isZero();
        ClusterApi.Response describe = ClusterApi.signed("GET", "/clusters/" + name, null);
        assertThat(describe.status()).as(describe.body()).isEqualTo(200);
        assertThat(describe.json().at("/cluster/identity/oidc/issuer").asText()).isEqualTo(issuer);

        assertThat(Files.readString(dir.resolve("apply-args")).strip()).startsWith("apply ").endsWith("-f -");
        List<JsonNode> applied = parseAll(Files.readString(dir.resolve("applied.yaml")));
        JsonNode agent = named(only(applied, "DaemonSet").at("/spec/template/spec/containers"), AGENT);
        assertThat(flags(agent.path("args"))).containsEntry("--cluster-name", name)
                .containsEntry("--endpoint", TestStack.get().apiUrl() + "/");
        assertThat(env(agent.path("env"))).containsEntry("AWS_REGION", TestStack.get().region());
        assertThat(only(applied, "MutatingWebhookConfiguration").at("/webhooks/0/clientConfig/url").asText())
                .isEqualTo(webhookUrl);
        // the webhook key is a secret: messages mask it
        assertThat(r.stdout() + r.stderr()).doesNotContain("secret-webhook-key").contains("/admission/****");
    }

    @Test
    void install_appliesTheReturnedWebhookUrl_keepsItOnReinstall_andRotatesOnRequest() throws Exception {
        requireKubectl();
        String name = TestStack.unique("hooked");
        clusterAnswers("https://oidc.test/" + name, Keys.rsaJwks("hook-key-1"));
        String api = TestStack.get().apiUrl();

        Result first = install(adminEnv(), "--cluster", name, "--api-url", api, "--pod-token-lifetime", "7200");
        assertThat(first.exit()).as(first.stderr()).isZero();
        assertThat(ClusterApi.signed("GET", "/clusters/" + name, null).json().at("/cluster/podTokenLifetimeSeconds")
                .asInt()).isEqualTo(7200);
        String url = webhookUrlApplied();
        assertThat(url).startsWith(api + "/clusters/" + name + "/admission/");
        String key = url.substring(url.lastIndexOf('/') + 1);
        assertThat(first.stdout() + first.stderr()).doesNotContain(key);

        // re-registration (new keys, same cluster): no new webhook key, the installed URL is kept
        Files.writeString(dir.resolve("mwc-url"), url);
        Files.delete(dir.resolve("applied.yaml"));
        Result again = install(adminEnv(), "--cluster", name, "--api-url", api);
        assertThat(again.exit()).as(again.stderr()).isZero();
        assertThat(webhookUrlApplied()).isEqualTo(url);

        Result rotated = install(adminEnv(), "--cluster", name, "--api-url", api, "--rotate-webhook-key");
        assertThat(rotated.exit()).as(rotated.stderr()).isZero();
        assertThat(webhookUrlApplied()).startsWith(api + "/clusters/" + name + "/admission/").isNotEqualTo(url);
    }

    // ------------------------------------------------------------------------------------------------ safety

    @Test
    void install_refusesToReplaceARegisteredIssuer_withoutForce() throws Exception {
        requireKubectl();
        String name = TestStack.unique("guarded");
        clusterAnswers("https://oidc.test/" + name, Keys.rsaJwks("guard-key-1"));
        String api = TestStack.get().apiUrl();
        assertThat(install(adminEnv(), "--cluster", name, "--api-url", api).exit()).isZero();

        // another cluster (the wrong kube context) under the same name
        clusterAnswers("https://oidc.other/" + name, Keys.rsaJwks("guard-key-2"));
        Files.delete(dir.resolve("applied.yaml"));
        Result refused = install(adminEnv(), "--cluster", name, "--api-url", api);
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.stderr()).contains("kube context: stub-context", "is registered with issuer https://oidc.test/"
                + name, "--force");
        assertThat(dir.resolve("applied.yaml")).doesNotExist();
        assertThat(ClusterApi.signed("GET", "/clusters/" + name, null).json().at("/cluster/identity/oidc/issuer").asText())
                .isEqualTo("https://oidc.test/" + name);

        Result forced = install(adminEnv(), "--cluster", name, "--api-url", api, "--force", "--rotate-webhook-key");
        assertThat(forced.exit()).as(forced.stderr()).isZero();
        assertThat(ClusterApi.signed("GET", "/clusters/" + name, null).json().at("/cluster/identity/oidc/issuer").asText())
                .isEqualTo("https://oidc.other/" + name);
    }

    @Test
    void install_rotatesTheWebhookKeyOnlyWhenAsked() throws Exception {
        requireKubectl();
        String name = TestStack.unique("keyed");
        clusterAnswers("https://oidc.test/" + name, Keys.rsaJwks("keyed-key-1"));
        String api = TestStack.get().apiUrl();
        assertThat(install(adminEnv(), "--cluster", name, "--api-url", api).exit()).isZero();
        // registered, but this context has no webhook for it: no silent rotation
        Files.delete(dir.resolve("applied.yaml"));
        Result r = install(adminEnv(), "--cluster", name, "--api-url", api);
        assertThat(r.exit()).isNotZero();
        assertThat(r.stderr()).contains("--rotate-webhook-key");
        assertThat(dir.resolve("applied.yaml")).doesNotExist();
    }

    @Test
    void install_refuses_whenAnotherAgentServesTheNodes() throws Exception {
        requireKubectl();
        String name = TestStack.unique("addon");
        clusterAnswers("https://oidc.test/" + name, Keys.rsaJwks("addon-key-1"));
        Files.writeString(dir.resolve("daemonsets"), "kube-system/kube-proxy registry.k8s.io/kube-proxy:v1.32.0 []\n"
                + "kube-system/eks-pod-identity-agent 602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/eks-pod-identity-agent:0.1.29 [server]\n");
        Result r = install(adminEnv(), "--cluster", name, "--api-url", TestStack.get().apiUrl());
        assertThat(r.exit()).isNotZero();
        assertThat(r.stderr()).contains("kube-system/eks-pod-identity-agent", "169.254.170.23:80");
        assertThat(ClusterApi.signed("GET", "/clusters/" + name, null).status()).isEqualTo(404);
    }

    @Test
    void install_stopsOnKubectlErrorsOtherThanNotFound() throws Exception {
        requireKubectl();
        String name = TestStack.unique("forbidden");
        clusterAnswers("https://oidc.test/" + name, Keys.rsaJwks("forbidden-key-1"));
        Files.writeString(dir.resolve("mwc-error"), "Error from server (Forbidden): mutatingwebhookconfigurations is forbidden\n");
        Result r = install(adminEnv(), "--cluster", name, "--api-url", TestStack.get().apiUrl());
        assertThat(r.exit()).isNotZero();
        assertThat(r.stderr()).contains("Forbidden", "cannot read the MutatingWebhookConfiguration");
        assertThat(dir.resolve("applied.yaml")).doesNotExist();
    }

    @Test
    void install_failsLoudly_whenTheApiServerDoesNotReachTheWebhook() throws Exception {
        requireKubectl();
        String name = TestStack.unique("unreached");
        clusterAnswers("https://oidc.test/" + name, Keys.rsaJwks("unreached-key-1"));
        Files.writeString(dir.resolve("webhook-unreachable"), "");
        Result r = install(adminEnv(), "--cluster", name, "--api-url", TestStack.get().apiUrl());
        assertThat(r.exit()).isNotZero();
        assertThat(r.stderr()).contains("DOES NOT REACH THE WEBHOOK");
        assertThat(Files.readString(dir.resolve("dry-run-pod.json"))).contains("\"namespace\":\"default\"");
    }

    // ------------------------------------------------------------------------------------------------ errors

    @Test
    void install_failsClearly_whenKubectlIsMissing() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bash-only"));
        Files.createSymbolicLink(bin.resolve("bash"), onPath("bash"));

        Result r = run(Map.of("PATH", bin.toString()), INSTALL.toString(), "--cluster", "c", "--api-url",
                "http://127.0.0.1:1/");

        assertThat(r.exit()).isNotZero();
        assertThat(r.stderr().strip()).doesNotContain("\n").contains("kubectl not found on PATH");
    }

    @Test
    void install_showsTheApiErrorTypeAndMessage_whenTheIssuerIsInvalid() throws Exception {
        requireKubectl();
        String name = TestStack.unique("refused");
        clusterAnswers("https://oidc.test/" + name, Keys.rsaJwks("refused-key-1"));

        Result r = install(adminEnv(), "--cluster", name, "--api-url", TestStack.get().apiUrl(),
                "--issuer", "ftp://oidc.test/" + name, "--webhook-url", "https://hooks.example/x");

        assertThat(r.exit()).isNotZero();
        assertThat(r.stderr()).contains("HTTP 400", "InvalidParameterException", "is not a valid URL");
        assertThat(dir.resolve("applied.yaml")).doesNotExist();
    }

    @Test
    void install_failsClearly_withoutCredentials() throws Exception {
        requireKubectl();
        String name = TestStack.unique("anonymous");
        clusterAnswers("https://oidc.test/" + name, Keys.rsaJwks("anonymous-key-1"));

        Result r = install(Map.of("AWS_REGION", TestStack.get().region()), "--cluster", name,
                "--api-url", TestStack.get().apiUrl(), "--webhook-url", "https://hooks.example/x");

        assertThat(r.exit()).isNotZero();
        assertThat(r.stderr()).contains("no AWS credentials", "AWS_ACCESS_KEY_ID");
        assertThat(dir.resolve("applied.yaml")).doesNotExist();
        assertThat(ClusterApi.signed("GET", "/clusters/" + name, null).status()).isEqualTo(404);
    }

    @Test
    void install_failsClearly_whenTheApiIsUnreachable() throws Exception {
        requireKubectl();
        clusterAnswers("https://oidc.test/unreachable", Keys.rsaJwks("unreachable-key-1"));

        Result r = install(adminEnv(), "--cluster", "unreachable", "--api-url", "http://127.0.0.1:1/prod/",
                "--webhook-url", "https://hooks.example/x");

        assertThat(r.exit()).isNotZero();
        assertThat(r.stderr()).contains("cannot reach the API at http://127.0.0.1:1/prod/", "--api-url");
        assertThat(dir.resolve("applied.yaml")).doesNotExist();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The real kubectl; the tests that need it skip without one, except under CI, where it is required. */
    static Path requireKubectl() {
        Path kubectl = onPath("kubectl");
        if (kubectl == null && "true".equals(System.getenv("CI"))) {
            fail("kubectl is not on PATH; CI must provide it (cluster/install renders with its kustomize)");
        }
        assumeTrue(kubectl != null, "kubectl is not on PATH: skipping the cluster/install tests that render manifests");
        return kubectl;
    }

    static Path onPath(String command) {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, command);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        return null;
    }

    void clusterAnswers(String issuer, String jwks) throws IOException {
        Files.writeString(dir.resolve("openid-configuration.json"), "{\"issuer\":\"" + issuer
                + "\",\"jwks_uri\":\"" + issuer + "/openid/v1/jwks\",\"response_types_supported\":[\"id_token\"]}");
        Files.writeString(dir.resolve("jwks.json"), jwks);
    }

    static Map<String, String> adminEnv() {
        var credentials = TestStack.get().adminCredentials();
        return Map.of("AWS_ACCESS_KEY_ID", credentials.accessKeyId(),
                "AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey(), "AWS_REGION", TestStack.get().region());
    }

    /** Runs cluster/install with the stub kubectl first on PATH and no AWS configuration but what {@code env} says. */
    Result install(Map<String, String> env, String... args) throws Exception {
        Map<String, String> all = new HashMap<>(env);
        all.put("PATH", stubBin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        all.put("STUB_DIR", dir.toString());
        Path kubectl = onPath("kubectl");
        all.put("REAL_KUBECTL", kubectl == null ? "/nonexistent/kubectl" : kubectl.toString());
        List<String> command = new ArrayList<>();
        command.add(INSTALL.toString());
        command.addAll(List.of(args));
        return run(all, command.toArray(String[]::new));
    }

    Result run(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        Map<String, String> environment = pb.environment();
        environment.keySet().removeIf(k -> k.startsWith("AWS_"));
        // never pick up the developer's own AWS configuration (aws configure export-credentials, instance roles)
        environment.put("AWS_CONFIG_FILE", dir.resolve("no-aws-config").toString());
        environment.put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-aws-credentials").toString());
        environment.put("AWS_EC2_METADATA_DISABLED", "true");
        environment.putAll(env);
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        Process process = pb.start();
        process.getOutputStream().close();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("timed out: " + String.join(" ", command));
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    String webhookUrlApplied() throws IOException {
        return only(parseAll(Files.readString(dir.resolve("applied.yaml"))), "MutatingWebhookConfiguration")
                .at("/webhooks/0/clientConfig/url").asText();
    }

    static List<JsonNode> parseAll(String yaml) throws IOException {
        List<JsonNode> objects = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode node = it.next();
                if (node != null && !node.isNull() && !node.isMissingNode()) {
                    objects.add(node);
                }
            }
        }
        return objects;
    }

    static JsonNode only(List<JsonNode> objects, String kind) {
        List<JsonNode> matching = objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
        assertThat(matching).as("objects of kind " + kind).hasSize(1);
        return matching.get(0);
    }

    static JsonNode named(JsonNode list, String name) {
        for (JsonNode item : list) {
            if (name.equals(item.path("name").asText())) {
                return item;
            }
        }
        throw new AssertionError("no item named " + name + " in " + list);
    }

    static List<String> texts(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** {@code ["--a", "1", "--b", "2"]} (the chart's style: flag and value as separate items) as a map. */
    static Map<String, String> flags(JsonNode args) {
        List<String> list = texts(args);
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String arg = list.get(i);
            assertThat(arg).as("argument %d of %s", i, list).startsWith("--");
            int eq = arg.indexOf('=');
            if (eq > 0) {
                out.put(arg.substring(0, eq), arg.substring(eq + 1));
            } else {
                out.put(arg, list.get(++i));
            }
        }
        return out;
    }

    static Map<String, String> env(JsonNode env) {
        Map<String, String> out = new HashMap<>();
        env.forEach(e -> out.put(e.path("name").asText(), e.path("value").asText()));
        return out;
    }

    private static final Pattern GO_DURATION = Pattern.compile("(\\d+)(h|m|s)");

    /** A Go duration such as {@code 30m} or {@code 1h15m}. */
    static Duration goDuration(String text) {
        assertThat(text).matches("(\\d+(h|m|s))+");
        Duration total = Duration.ZERO;
        var m = GO_DURATION.matcher(text);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
            });
        }
        return total;
    }
}
