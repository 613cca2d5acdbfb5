package dev.podidentity.local;

import static dev.podidentity.local.ClusterInstallTest.ROOT;
import static dev.podidentity.local.ClusterInstallTest.env;
import static dev.podidentity.local.ClusterInstallTest.named;
import static dev.podidentity.local.ClusterInstallTest.only;
import static dev.podidentity.local.ClusterInstallTest.parseAll;
import static dev.podidentity.local.ClusterInstallTest.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cluster/install --mode stock-webhook --dry-run}: what it renders, parsed and checked — the stock webhook and
 * its sync in one pod, our AdmitPod webhook gone, the agent kept, a serving certificate the caBundle verifies.
 */
class StockWebhookInstallTest {
    static final String API = "https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod/";

    @TempDir
    Path dir;

    record Result(int exit, String stdout, String stderr) {
    }

    Result dryRun(String... extra) throws Exception {
        Path jwks = Files.writeString(dir.resolve("jwks.json"), Keys.rsaJwks("stock-key-1"));
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("cluster/install").toString(), "--mode", "stock-webhook",
                "--dry-run", "--cluster", "stock-1", "--api-url", API, "--issuer", "https://kubernetes.default.svc.cluster.local",
                "--jwks-file", jwks.toString()));
        command.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        Path out = dir.resolve("out.yaml");
        Path err = dir.resolve("err.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void rendersTheStockWebhookAndItsSync_insteadOfAdmitPod() throws Exception {
        ClusterInstallTest.requireKubectl();
        Result r = dryRun("--pod-token-lifetime", "1800", "--sync-period", "15");
        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stderr()).contains("mode: stock-webhook", "--token-expiration: 1800", "nothing was registered or applied");
        List<JsonNode> objects = parseAll(r.stdout());
        assertThat(objects).extracting(o -> o.path("kind").asText()).containsExactlyInAnyOrder("Namespace", "DaemonSet",
                "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Secret", "Service", "Deployment",
                "PodDisruptionBudget", "MutatingWebhookConfiguration");

        JsonNode mwc = only(objects, "MutatingWebhookConfiguration");
        assertThat(mwc.at("/metadata/name").asText()).as("our AdmitPod webhook is not installed").isEqualTo("pod-identity-stock-webhook");
        JsonNode hook = mwc.at("/webhooks/0");
        assertThat(texts(hook.path("admissionReviewVersions"))).containsExactly("v1beta1");
        assertThat(hook.path("failurePolicy").asText()).isEqualTo("Ignore");
        assertThat(hook.at("/clientConfig/service/name").asText()).isEqualTo("pod-identity-webhook");
        assertThat(hook.at("/clientConfig/service/path").asText()).isEqualTo("/mutate");
        assertThat(hook.at("/clientConfig/url").isMissingNode()).isTrue();
        assertThat(texts(hook.at("/namespaceSelector/matchExpressions/0/values"))).contains("kube-system", "pod-identity-system");

        // the caBundle is the CA that signed the Secret's serving certificate, for the Service's DNS name
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        X509Certificate ca = (X509Certificate) x509.generateCertificate(new ByteArrayInputStream(
                Base64.getDecoder().decode(hook.at("/clientConfig/caBundle").asText())));
        JsonNode secret = only(objects, "Secret");
        assertThat(secret.path("type").asText()).isEqualTo("kubernetes.io/tls");
        X509Certificate serving = (X509Certificate) x509.generateCertificate(new ByteArrayInputStream(
                Base64.getDecoder().decode(secret.at("/data/tls.crt").asText())));
        serving.verify(ca.getPublicKey());
        List<Object> names = serving.getSubjectAlternativeNames().stream().map(n -> n.get(1)).map(Object.class::cast).toList();
        assertThat(names).contains("pod-identity-webhook.pod-identity-system.svc");
        assertThat(new String(Base64.getDecoder().decode(secret.at("/data/tls.key").asText()), StandardCharsets.US_ASCII))
                .startsWith("-----BEGIN PRIVATE KEY-----");

        JsonNode deployment = only(objects, "Deployment");
        JsonNode pod = deployment.at("/spec/template/spec");
        assertThat(pod.path("serviceAccountName").asText()).isEqualTo("webhook-sync");
        JsonNode webhook = named(pod.path("containers"), "pod-identity-webhook");
        assertThat(webhook.path("image").asText()).isEqualTo("docker.io/amazon/amazon-eks-pod-identity-webhook:v0.6.4");
        assertThat(texts(webhook.path("args"))).contains("--token-expiration=1800", "--in-cluster=false",
                "--watch-container-credentials-config=/var/run/pod-identity-webhook/identities.json");
        JsonNode sync = named(pod.path("containers"), "webhook-sync");
        assertThat(sync.path("image").asText()).matches("docker\\.io/curlimages/curl:\\d+\\.\\d+\\.\\d+");
        Map<String, String> syncEnv = env(sync.path("env"));
        assertThat(syncEnv).containsEntry("API_URL", API).containsEntry("CLUSTER", "stock-1")
                .containsEntry("SYNC_PERIOD_SECONDS", "15")
                .containsEntry("OUT_FILE", "/var/run/pod-identity-webhook/identities.json");
        JsonNode tokenVolume = named(pod.path("volumes"), "sync-token").at("/projected/sources/0/serviceAccountToken");
        assertThat(tokenVolume.path("audience").asText()).isEqualTo("pod-identity.dev/webhook-sync");
        assertThat(tokenVolume.path("expirationSeconds").asInt()).isEqualTo(600);
        assertThat(syncEnv.get("TOKEN_FILE")).isEqualTo(named(sync.path("volumeMounts"), "sync-token").path("mountPath").asText()
                + "/" + tokenVolume.path("path").asText());
        // the webhook reads the directory the sync writes, read-only
        assertThat(named(webhook.path("volumeMounts"), "identities").path("readOnly").asBoolean()).isTrue();
        assertThat(named(sync.path("volumeMounts"), "identities").path("readOnly").asBoolean()).isFalse();

        JsonNode script = only(objects, "ConfigMap");
        assertThat(named(pod.path("volumes"), "sync-script").at("/configMap/name").asText())
                .isEqualTo(script.at("/metadata/name").asText());
        assertThat(script.at("/data/sync.sh").asText())
                .isEqualTo(Files.readString(ROOT.resolve("cluster/components/stock-webhook/sync.sh")));

        JsonNode role = only(objects, "ClusterRole");
        assertThat(role.path("rules")).hasSize(1);
        assertThat(texts(role.at("/rules/0/resources"))).containsExactly("serviceaccounts");
        assertThat(texts(role.at("/rules/0/verbs"))).containsExactlyInAnyOrder("get", "list", "watch");
        JsonNode binding = only(objects, "ClusterRoleBinding");
        assertThat(binding.at("/subjects/0/name").asText()).isEqualTo("webhook-sync");

        JsonNode agent = named(only(objects, "DaemonSet").at("/spec/template/spec/containers"), "eks-pod-identity-agent");
        assertThat(ClusterInstallTest.flags(agent.path("args"))).containsEntry("--cluster-name", "stock-1")
                .containsEntry("--endpoint", API);
    }

    @Test
    void aCaBundle_isTrustedByTheSync_throughAConfigMap() throws Exception {
        ClusterInstallTest.requireKubectl();
        // any PEM CA: what the API's private certificate chains to (install's own calls trust it too)
        String pem = Files.readString(Tls.ensure(dir.resolve("tls")).caPem());
        Path bundle = Files.writeString(dir.resolve("api-ca.pem"), pem);
        Result r = dryRun("--ca-bundle", bundle.toString());
        assertThat(r.exit()).as(r.stderr()).isZero();
        List<JsonNode> objects = parseAll(r.stdout());
        JsonNode ca = objects.stream().filter(o -> o.at("/metadata/name").asText().equals("pod-identity-api-ca")).findFirst()
                .orElseThrow(() -> new AssertionError("no ConfigMap pod-identity-api-ca"));
        assertThat(ca.path("kind").asText()).isEqualTo("ConfigMap");
        assertThat(ca.at("/metadata/namespace").asText()).isEqualTo("pod-identity-system");
        assertThat(new String(Base64.getDecoder().decode(ca.at("/binaryData/ca.crt").asText()), StandardCharsets.US_ASCII))
                .isEqualTo(pem);
        JsonNode pod = only(objects, "Deployment").at("/spec/template/spec");
        JsonNode sync = named(pod.path("containers"), "webhook-sync");
        String caFile = env(sync.path("env")).get("CA_FILE");
        JsonNode mount = named(sync.path("volumeMounts"), "api-ca");
        assertThat(caFile).isEqualTo(mount.path("mountPath").asText() + "/ca.crt");
        assertThat(mount.path("readOnly").asBoolean()).isTrue();
        assertThat(named(pod.path("volumes"), "api-ca").at("/configMap/name").asText()).isEqualTo("pod-identity-api-ca");
        assertThat(env(named(pod.path("containers"), "pod-identity-webhook").path("env"))).doesNotContainKey("CA_FILE");
        // without --ca-bundle: no ConfigMap, no CA_FILE (API Gateway's public certificate)
        Result plain = dryRun();
        assertThat(plain.stdout()).doesNotContain("pod-identity-api-ca");
        assertThat(env(named(only(parseAll(plain.stdout()), "Deployment").at("/spec/template/spec/containers"), "webhook-sync")
                .path("env"))).doesNotContainKey("CA_FILE");
    }

    @Test
    void refusesAdmitPodOptions_andBadPeriods() throws Exception {
        ClusterInstallTest.requireKubectl();
        assertThat(dryRun("--webhook-url", "https://x.example/clusters/c/admission/k").stderr())
                .contains("--webhook-url is for --mode admit-pod");
        Result period = dryRun("--sync-period", "2");
        assertThat(period.exit()).isEqualTo(1);
        assertThat(period.stderr()).contains("--sync-period must be a number of seconds from 5 to 3600");
        Path jwks = Files.writeString(dir.resolve("j.json"), Keys.rsaJwks("k"));
        Process p = new ProcessBuilder(ROOT.resolve("cluster/install").toString(), "--mode", "webhook", "--dry-run",
                "--cluster", "c", "--api-url", API, "--issuer", "https://i", "--jwks-file", jwks.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(out).contains("--mode must be admit-pod or stock-webhook, not 'webhook'");
    }
}
