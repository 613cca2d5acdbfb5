package dev.podidentity.local.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.podidentity.local.Http;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A mutating webhook of the test's own, served over https with the stack's certificate and registered with the API
 * server (failurePolicy Fail): it allows every pod, with the JSONPatch {@code patch} answers for the pod (null: none).
 * Its configuration is named {@code zz-...} so the API server calls it after ours, which must then be reinvoked.
 * Closing deletes the configuration and stops the server.
 */
final class TestWebhook implements AutoCloseable {
    private final RealCluster c;
    private final String config;
    private final HttpsServer server;
    private final AtomicInteger calls;

    private TestWebhook(RealCluster c, String config, HttpsServer server, AtomicInteger calls) {
        this.c = c;
        this.config = config;
        this.server = server;
        this.calls = calls;
    }

    /** How many reviews the API server sent it. */
    int calls() {
        return calls.get();
    }

    /** {@code selector}: a YAML line such as {@code objectSelector: {matchLabels: {sidecar: "yes"}}}. */
    static TestWebhook start(RealCluster c, String name, String selector, Function<JsonNode, String> patch) throws IOException {
        AtomicInteger calls = new AtomicInteger();
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(c.stack.tls().serverContext()));
        server.createContext("/", exchange -> {
            try (exchange) {
                calls.incrementAndGet();
                JsonNode review = RealCluster.JSON.readTree(exchange.getRequestBody());
                ObjectNode out = RealCluster.JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
                ObjectNode response = out.putObject("response").put("uid", review.path("request").path("uid").asText())
                        .put("allowed", true);
                String jsonPatch = patch.apply(review.path("request").path("object"));
                if (jsonPatch != null) {
                    response.put("patchType", "JSONPatch")
                            .put("patch", Base64.getEncoder().encodeToString(jsonPatch.getBytes(StandardCharsets.UTF_8)));
                }
                Http.send(exchange, 200, Map.of("Content-Type", "application/json"), RealCluster.JSON.writeValueAsBytes(out));
            }
        });
        server.start();
        String config = "zz-test-" + name;
        TestWebhook webhook = new TestWebhook(c, config, server, calls);
        try {
            c.k8s.kubectlWithInput("""
                    apiVersion: admissionregistration.k8s.io/v1
                    kind: MutatingWebhookConfiguration
                    metadata: {name: %s}
                    webhooks:
                    - name: %s.test.invalid
                      clientConfig: {url: "https://127.0.0.1:%d/", caBundle: %s}
                      rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}]
                      %s
                      failurePolicy: Fail
                      sideEffects: None
                      admissionReviewVersions: [v1]
                    """.formatted(config, name, server.getAddress().getPort(), caBundle(c), selector), "apply", "-f", "-")
                    .orThrow("apply the " + config + " webhook");
        } catch (RuntimeException e) {
            webhook.close();
            throw e;
        }
        return webhook;
    }

    /** The stack's CA, base64, as a webhook's {@code caBundle}. */
    static String caBundle(RealCluster c) throws IOException {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(c.stack.caCertificate()));
    }

    @Override
    public void close() {
        c.k8s.kubectl("delete", "mutatingwebhookconfiguration", config, "--ignore-not-found");
        server.stop(0);
    }
}
