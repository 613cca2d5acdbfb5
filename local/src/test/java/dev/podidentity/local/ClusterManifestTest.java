package dev.podidentity.local;

import static dev.podidentity.local.ClusterInstallTest.AGENT;
import static dev.podidentity.local.ClusterInstallTest.ROOT;
import static dev.podidentity.local.ClusterInstallTest.flags;
import static dev.podidentity.local.ClusterInstallTest.named;
import static dev.podidentity.local.ClusterInstallTest.only;
import static dev.podidentity.local.ClusterInstallTest.parseAll;
import static dev.podidentity.local.ClusterInstallTest.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production shape of the rendered manifests ({@code kubectl kustomize cluster/example}, parsed): which pods the
 * two webhook entries select (every namespace but the agent's, opt-outs, the fail-closed opt-in), and the agent's
 * hardening. What the API server does with them is the real-API-server tier's part.
 */
class ClusterManifestTest {
    static List<JsonNode> objects;

    @BeforeAll
    static void render() throws Exception {
        objects = parseAll(kustomize(ROOT.resolve("cluster/example")));
    }

    static String kustomize(Path dir) throws Exception {
        Path kubectl = ClusterInstallTest.requireKubectl();
        Process p = new ProcessBuilder(kubectl.toString(), "kustomize", dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    static JsonNode webhook(String name) {
        return named(only(objects, "MutatingWebhookConfiguration").path("webhooks"), name);
    }

    /** The selector's expressions as "key operator values" lines. */
    static List<String> expressions(JsonNode selector) {
        List<String> out = new ArrayList<>();
        selector.path("matchExpressions").forEach(e -> out.add(e.path("key").asText() + " " + e.path("operator").asText()
                + " " + texts(e.path("values"))));
        return out;
    }

    @Test
    void theDefaultEntry_servesEveryNamespaceButTheAgents_failsOpen_andHonoursOptOuts() {
        JsonNode open = webhook("pods.podidentity.dev");
        assertThat(open.path("failurePolicy").asText()).isEqualTo("Ignore");
        assertThat(expressions(open.path("namespaceSelector"))).containsExactly(
                "kubernetes.io/metadata.name NotIn [pod-identity-system]",
                "pod-identity.dev/inject NotIn [false]",
                "pod-identity.dev/required NotIn [true]");
        assertThat(expressions(open.path("objectSelector"))).containsExactly("pod-identity.dev/inject NotIn [false]");
        assertThat(open.toString()).doesNotContain("kube-system");
    }

    @Test
    void theRequiredEntry_failsClosed_onlyForNamespacesThatAskForIt_withTheSameUrlAndRules() {
        JsonNode open = webhook("pods.podidentity.dev");
        JsonNode required = webhook("required.pods.podidentity.dev");
        assertThat(required.path("failurePolicy").asText()).isEqualTo("Fail");
        assertThat(expressions(required.path("namespaceSelector"))).containsExactly(
                "kubernetes.io/metadata.name NotIn [pod-identity-system]",
                "pod-identity.dev/inject NotIn [false]",
                "pod-identity.dev/required In [true]");
        assertThat(required.path("objectSelector")).isEqualTo(open.path("objectSelector"));
        assertThat(required.at("/clientConfig/url").asText()).isEqualTo(open.at("/clientConfig/url").asText())
                .doesNotContain("WEBHOOK_URL");
        for (String field : List.of("rules", "sideEffects", "reinvocationPolicy", "matchPolicy", "admissionReviewVersions",
                "timeoutSeconds")) {
            assertThat(required.path(field)).as(field).isEqualTo(open.path(field));
        }
    }

    @Test
    void theAgent_keepsMetricsOnLoopback_escalatesNothing_writesNothing_andHasAMemoryLimit() {
        JsonNode agent = named(only(objects, "DaemonSet").at("/spec/template/spec/containers"), AGENT);
        var args = flags(agent.path("args"));
        assertThat(args).containsEntry("--metrics-address", "127.0.0.1").containsEntry("--bind-hosts", "169.254.170.23");
        assertThat(named(agent.path("ports"), "metrics").path("containerPort").asText()).isEqualTo(args.get("--metrics-port"));
        JsonNode sc = agent.path("securityContext");
        assertThat(sc.path("allowPrivilegeEscalation").isBoolean() && !sc.path("allowPrivilegeEscalation").asBoolean()).isTrue();
        assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(texts(sc.at("/capabilities/drop"))).containsExactly("ALL");
        assertThat(texts(sc.at("/capabilities/add"))).containsExactly("NET_BIND_SERVICE");
        assertThat(agent.at("/resources/limits/memory").asText()).isNotEmpty();
    }

    @Test
    void imagesPinByDigest_withKustomizeImages(@TempDir Path dir) throws Exception {
        String digest = "sha256:" + "0123456789abcdef".repeat(4);
        // kustomize takes only relative paths to other kustomizations
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [" + dir.toAbsolutePath()
                .relativize(ROOT.resolve("cluster/example")) + "]\n"
                + "images:\n  - name: public.ecr.aws/eks/eks-pod-identity-agent\n    digest: " + digest + "\n");
        JsonNode pod = only(parseAll(kustomize(dir)), "DaemonSet").at("/spec/template/spec");
        assertThat(named(pod.path("containers"), AGENT).path("image").asText())
                .isEqualTo("public.ecr.aws/eks/eks-pod-identity-agent@" + digest);
        assertThat(named(pod.path("initContainers"), AGENT + "-init").path("image").asText())
                .isEqualTo("public.ecr.aws/eks/eks-pod-identity-agent@" + digest);
    }
}
