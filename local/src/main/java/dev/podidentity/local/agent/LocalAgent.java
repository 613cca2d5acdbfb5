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
 *
 * <p>Errors as the stock eks-pod-identity-agent 0.1.37 answers them (checked against the real binary by
 * {@code RealClusterTest} and {@code LocalAgentParityTest}): {@code text/plain; charset=utf-8}, one line; a missing
 * token {@code 400 Service account token cannot be empty}; an expired one refused here, before any call,
 * {@code 400 Service account token failed basic claim validations: token is expired}; the service's refusals as
 * {@code [REQUEST-ID]: (ErrorType): message, fault: client} with the service's status (404 for an unknown
 * subject, 400 for an invalid token).
 */
public final class LocalAgent implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String apiUrl;
    private final String clusterName;
    private final LocalCluster cluster;
    private final HttpClient http;
    private HttpServer server;

    public LocalAgent(String apiUrl, String clusterName, LocalCluster cluster) {
        this(apiUrl, null, clusterName, cluster);
    }

    /** With {@code tls} the TLS context to reach an https API (null: the JDK's default trust). */
    public LocalAgent(String apiUrl, javax.net.ssl.SSLContext tls, String clusterName, LocalCluster cluster) {
        this.apiUrl = apiUrl;
        this.clusterName = clusterName;
        this.cluster = cluster;
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(500));
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
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
            text(exchange, 404, "404 page not found"); // as the real agent's Go HTTP mux
        }
    }

    private void credentials(HttpExchange exchange) throws IOException {
        String token = exchange.getRequestHeaders().getFirst("Authorization");
        if (token == null || token.isBlank()) {
            text(exchange, 400, "Service account token cannot be empty");
            return;
        }
        String claimsProblem = basicClaims(token.trim());
        if (claimsProblem != null) {
            text(exchange, 400, claimsProblem);
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
            text(exchange, 500, "Call to EKS Auth failed: " + e.getClass().getSimpleName());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            text(exchange, 500, "interrupted");
            return;
        }
        JsonNode answer = JSON.readTree(response.body());
        if (response.statusCode() != 200) {
            String type = response.headers().firstValue("x-amzn-ErrorType").orElse("Error");
            type = type.contains(":") ? type.substring(0, type.indexOf(':')) : type;
            String requestId = response.headers().firstValue("x-amzn-RequestId").orElse("");
            int status = response.statusCode() >= 500 ? 500 : response.statusCode();
            text(exchange, status, "[" + requestId + "]: (" + type + "): " + answer.path("message").asText()
                    + ", fault: " + (status >= 500 ? "server" : "client"));
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

    /**
     * What the real agent checks before calling anything: the token is a JWT whose {@code exp} has not passed (its
     * signature is the service's business). Null when fine.
     */
    static String basicClaims(String token) {
        String[] parts = token.split("\\.");
        JsonNode claims;
        try {
            if (parts.length != 3) {
                throw new IllegalArgumentException("token contains an invalid number of segments");
            }
            claims = JSON.readTree(java.util.Base64.getUrlDecoder().decode(parts[1]));
        } catch (IOException | IllegalArgumentException e) {
            return "Service account token cannot be parsed: " + e.getMessage();
        }
        JsonNode exp = claims.path("exp");
        if (exp.isNumber() && exp.asLong() <= Instant.now().getEpochSecond()) {
            return "Service account token failed basic claim validations: token is expired";
        }
        return null;
    }

    private static void text(HttpExchange exchange, int status, String line) throws IOException {
        Http.send(exchange, status, Map.of("Content-Type", "text/plain; charset=utf-8"),
                (line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        Http.send(exchange, status, Map.of("Content-Type", "application/json"), json.getBytes(StandardCharsets.UTF_8));
    }
}
