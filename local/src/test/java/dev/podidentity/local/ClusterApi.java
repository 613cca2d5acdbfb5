package dev.podidentity.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/** SigV4-signed raw HTTP to the local API, for routes the EKS SDK does not model (clusters) and for hostile tests. */
public final class ClusterApi {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private ClusterApi() {
    }

    public record Response(int status, Map<String, List<String>> headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        public String errorType() {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("x-amzn-errortype"))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    public static Response register(String name, String issuer, String jwks) {
        String body = "{\"issuer\":\"" + issuer + "\",\"jwks\":" + jwks + "}";
        Response r = signed("PUT", "/clusters/" + name, body);
        if (r.status() != 200) {
            throw new AssertionError("register failed: " + r);
        }
        return r;
    }

    public static Response signed(String method, String pathAndQuery, String body) {
        return signed(method, pathAndQuery, body, TestStack.get().adminCredentials(), "execute-api", Clock.systemUTC());
    }

    /** Signs with the SDK's signer exactly as a client would, then sends. */
    public static Response signed(String method, String pathAndQuery, String body, AwsCredentials credentials,
                                  String service, Clock clock) {
        SdkHttpRequest request = signedRequest(method, pathAndQuery, body, credentials, service, clock);
        return send(request, body);
    }

    public static SdkHttpRequest signedRequest(String method, String pathAndQuery, String body, AwsCredentials credentials,
                                               String service, Clock clock) {
        return signedRequest(method, pathAndQuery, body, credentials, service, TestStack.get().region(), clock);
    }

    public static SdkHttpRequest signedRequest(String method, String pathAndQuery, String body, AwsCredentials credentials,
                                               String service, String region, Clock clock) {
        URI uri = URI.create(TestStack.get().apiUrl() + pathAndQuery);
        SdkHttpRequest.Builder http = SdkHttpRequest.builder().uri(uri).method(SdkHttpMethod.fromValue(method))
                .putHeader("Content-Type", "application/json");
        if (uri.getRawQuery() != null) {
            http.encodedPath(uri.getRawPath());
            http.clearQueryParameters();
            Http.queryPairs(uri.getRawQuery(), Http.Plus.LITERAL)
                    .forEach(pair -> http.appendRawQueryParameter(pair.getKey(), pair.getValue()));
        }
        AwsCredentialsIdentity identity = credentials instanceof AwsSessionCredentials s
                ? AwsSessionCredentialsIdentity.create(s.accessKeyId(), s.secretAccessKey(), s.sessionToken())
                : AwsCredentialsIdentity.create(credentials.accessKeyId(), credentials.secretAccessKey());
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        return AwsV4HttpSigner.create().sign(r -> r.identity(identity).request(http.build())
                .payload(ContentStreamProvider.fromByteArray(payload))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, clock)).request();
    }

    public static Response send(SdkHttpRequest request, String body) {
        HttpRequest.Builder out = HttpRequest.newBuilder(request.getUri())
                .method(request.method().name(), body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        request.headers().forEach((k, vs) -> {
            if (!k.equalsIgnoreCase("host") && !k.equalsIgnoreCase("content-length")) {
                vs.forEach(v -> out.header(k, v));
            }
        });
        try {
            HttpResponse<String> response = HTTP.send(out.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers().map(), response.body());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
