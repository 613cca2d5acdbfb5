package dev.podidentity.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The API's public URL as derived from a proxy event (for the webhook URL RegisterCluster answers). */
class PublicBaseUrlTest {

    static Stream<Arguments> events() {
        return Stream.of(
                Arguments.of("execute-api domain: the stage is in the path", "abc123.execute-api.us-east-1.amazonaws.com",
                        null, "/prod/clusters/demo", "/clusters/demo", null, "https://abc123.execute-api.us-east-1.amazonaws.com/prod"),
                Arguments.of("custom domain mapped at its root", "pods.example.com", null, "/clusters/demo", "/clusters/demo",
                        "https", "https://pods.example.com"),
                Arguments.of("custom domain with a base path mapping", "api.example.com", null, "/pod-identity/clusters/demo",
                        "/clusters/demo", null, "https://api.example.com/pod-identity"),
                Arguments.of("the local gateway: plain HTTP, no stage", "127.0.0.1:9000", null, "/clusters/demo",
                        "/clusters/demo", "http", "http://127.0.0.1:9000"),
                Arguments.of("no domainName: the Host header", null, "abc123.execute-api.us-east-1.amazonaws.com",
                        "/prod/clusters/demo", "/clusters/demo", null, "https://abc123.execute-api.us-east-1.amazonaws.com/prod"),
                Arguments.of("no host at all: relative", null, null, "/prod/clusters/demo", "/clusters/demo", null, ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void baseUrl(String name, String domainName, String hostHeader, String contextPath, String path, String proto, String expected) {
        ObjectNode event = Json.object().put("path", path);
        ObjectNode headers = event.putObject("headers");
        if (hostHeader != null) {
            headers.put("host", hostHeader);
        }
        if (proto != null) {
            headers.put("X-Forwarded-Proto", proto);
        }
        ObjectNode context = event.putObject("requestContext").put("path", contextPath);
        if (domainName != null) {
            context.put("domainName", domainName);
        }
        assertThat(new ApiRequest(event).publicBaseUrl()).isEqualTo(expected);
    }
}
