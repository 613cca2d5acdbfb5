package dev.podidentity.adapter.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.config.SdkClients;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * Reads a secret's {@code SecretString} with Secrets Manager's {@code GetSecretValue} (JSON 1.1 protocol): one
 * SigV4-signed POST through the execution environment's HTTP client and credentials. The package carries no
 * Secrets Manager client: it would add 0.8 MB to a package already at its size budget for one call made once per
 * execution environment. The secret's value is never logged nor put in an exception message.
 */
public final class SecretsManagerReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ATTEMPTS = 3;

    private final SdkClients clients;
    private final String region;
    private final URI endpoint;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    /** {@code endpoint} null: the regional endpoint, {@code https://secretsmanager.<region>.<dns suffix>}. */
    public SecretsManagerReader(SdkClients clients, String region, URI endpoint) {
        this.clients = clients;
        this.region = region;
        this.endpoint = endpoint != null ? endpoint
                : URI.create("https://secretsmanager." + region + (region.startsWith("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com"));
    }

    /** The secret's current {@code SecretString}; IllegalStateException (naming the secret, not its value) if unreadable. */
    public String secretString(String secretId) {
        ObjectNode request = JSON.createObjectNode().put("SecretId", secretId);
        byte[] body = request.toString().getBytes(StandardCharsets.UTF_8);
        IllegalStateException failure = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Answer answer;
            try {
                answer = call(body);
            } catch (IOException e) {
                failure = new IllegalStateException("GetSecretValue of " + secretId + " failed: " + e.getMessage(), e);
                continue;
            }
            if (answer.status() == 200) {
                JsonNode value = answer.json().get("SecretString");
                if (value == null || !value.isTextual() || value.asText().isEmpty()) {
                    throw new IllegalStateException("secret " + secretId + " has no SecretString");
                }
                return value.asText();
            }
            String type = answer.json().path("__type").asText("");
            failure = new IllegalStateException("GetSecretValue of " + secretId + " failed: HTTP " + answer.status()
                    + " " + type.substring(type.indexOf('#') + 1) + ": " + answer.json().path("message").asText(
                            answer.json().path("Message").asText("")));
            if (answer.status() < 500 && !type.contains("Throttling")) {
                break;
            }
        }
        throw failure;
    }

    private Answer call(byte[] body) throws IOException {
        SdkHttpFullRequest http = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(endpoint)
                .encodedPath(endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() ? "/" : endpoint.getRawPath())
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", "secretsmanager.GetSecretValue")
                .putHeader("Content-Length", Integer.toString(body.length))
                .build();
        SignedRequest signed = signer.sign(r -> r
                .identity(clients.credentials().resolveCredentials())
                .request(http)
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "secretsmanager")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        HttpExecuteResponse response = clients.http().prepareRequest(HttpExecuteRequest.builder()
                .request(signed.request())
                .contentStreamProvider(signed.payload().orElse(null))
                .build()).call();
        JsonNode json = JSON.createObjectNode();
        if (response.responseBody().isPresent()) {
            try (InputStream in = response.responseBody().get()) {
                byte[] bytes = in.readAllBytes();
                if (bytes.length > 0) {
                    json = JSON.readTree(bytes);
                }
            }
        }
        return new Answer(response.httpResponse().statusCode(), json == null ? JSON.createObjectNode() : json);
    }

    private record Answer(int status, JsonNode json) {
    }
}
