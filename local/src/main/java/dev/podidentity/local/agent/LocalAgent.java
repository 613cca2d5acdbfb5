package dev.podidentity.local.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.podidentity.local.Http;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The node agent's contract, locally: {@code GET /v1/credentials} with the pod's raw token in {@code Authorization},
 * answered by calling the service's AssumeRoleForPodIdentity (as {@code eks-pod-identity-agent --endpoint} does)
 * and returning {@code {AccessKeyId, SecretAccessKey, Token, AccountId, Expiration}}. A pod's AWS SDK pointed at it
 * with {@code AWS_CONTAINER_CREDENTIALS_FULL_URI} gets credentials. It also mints tokens for the local cluster
 * ({@code GET /local/token?namespace=&serviceAccount=&pod=}), standing in for the kubelet.
 */
public final class LocalAgent implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String apiUrl;
    private final String clusterName;
    private final LocalCluster cluster;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(500)).build();
    private HttpServer server;

    public LocalAgent(String apiUrl, String clusterName, LocalCluster cluster) {
        this.apiUrl = apiUrl;
        this.clusterName = clusterName;
        this.cluster = cluster;
    }

    public LocalAgent start(int port) throws IOException {
        server = Http.serve(port, this::handle);
        return this;
    }

    public String credentialsUri() {
        return url() + "/v1/credentials";
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if ("GET".equals(exchange.getRequestMethod()) && "/v1/credentials".equals(path)) {
            credentials(exchange);
        } else if ("GET".equals(exchange.getRequestMethod()) && "/local/token".equals(path)) {
            token(exchange);
        } else {
            reply(exchange, 404, "{\"message\":\"not found: the agent serves GET /v1/credentials\"}");
        }
    }

    private void credentials(HttpExchange exchange) throws IOException {
        String token = exchange.getRequestHeaders().getFirst("Authorization");
        if (token == null || token.isBlank()) {
            reply(exchange, 400, "{\"message\":\"Service account token cannot be empty\"}");
            return;
        }
        String body = JSON.writeValueAsString(JSON.createObjectNode().put("token", token.trim()));
        HttpRequest request = HttpRequest.newBuilder(URI.create(apiUrl + "/clusters/" + clusterName
                        + "/assume-role-for-pod-identity"))
                .timeout(Duration.ofSeconds(1))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            reply(exchange, 500, "{\"message\":\"Call to EKS Auth failed: " + e.getClass().getSimpleName() + "\"}");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply(exchange, 500, "{\"message\":\"interrupted\"}");
            return;
        }
        JsonNode answer = JSON.readTree(response.body());
        if (response.statusCode() != 200) {
            int status = response.statusCode() >= 500 || response.statusCode() == 429 ? 500 : 400;
            String type = response.headers().firstValue("x-amzn-ErrorType").orElse("Error");
            reply(exchange, status, JSON.writeValueAsString(JSON.createObjectNode()
                    .put("message", type + ": " + answer.path("message").asText())));
            return;
        }
        JsonNode c = answer.path("credentials");
        String roleArn = answer.path("assumedRoleUser").path("arn").asText();
        ObjectNode out = JSON.createObjectNode()
                .put("AccessKeyId", c.path("accessKeyId").asText())
                .put("SecretAccessKey", c.path("secretAccessKey").asText())
                .put("Token", c.path("sessionToken").asText())
                .put("AccountId", roleArn.split(":").length > 4 ? roleArn.split(":")[4] : "")
                .put("Expiration", DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(c.path("expiration").asLong())));
        reply(exchange, 200, JSON.writeValueAsString(out));
    }

    private void token(HttpExchange exchange) throws IOException {
        Map<String, String> q = new HashMap<>();
        Http.queryPairs(exchange.getRequestURI().getRawQuery(), Http.Plus.SPACE).forEach(e -> q.put(e.getKey(), e.getValue()));
        String namespace = q.getOrDefault("namespace", "default");
        String serviceAccount = q.getOrDefault("serviceAccount", "default");
        String pod = q.getOrDefault("pod", serviceAccount + "-pod");
        String uid = q.getOrDefault("podUid", UUID.randomUUID().toString());
        long seconds = Long.parseLong(q.getOrDefault("lifetime", "3600"));
        Http.send(exchange, 200, Map.of("Content-Type", "text/plain"),
                cluster.mint(namespace, serviceAccount, pod, uid, Instant.now(), Duration.ofSeconds(seconds),
                        q.getOrDefault("audience", "pods.eks.amazonaws.com")).getBytes(StandardCharsets.UTF_8));
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        Http.send(exchange, status, Map.of("Content-Type", "application/json"), json.getBytes(StandardCharsets.UTF_8));
    }
}
