package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed and hostile requests through the local API: every one is answered 4xx with a message, never a 5xx.
 * The property-style cases use a seeded generator (the seed is printed on failure) rather than jqwik, whose
 * runtime output asks AI agents not to use it.
 */
class MalformedInputTest {
    static String cluster;

    @BeforeAll
    static void setUp() {
        cluster = TestStack.registerCluster(TestStack.unique("malformed"));
    }

    static Stream<Arguments> malformed() {
        String c = "/clusters/" + TestStack.registerCluster(TestStack.unique("malformed-fixed"));
        String a = c + "/pod-identity-associations";
        return Stream.of(
                Arguments.of("POST", a, "{", 400, "InvalidRequestException"),
                Arguments.of("POST", a, "[]", 400, "InvalidRequestException"),
                Arguments.of("POST", a, "\"text\"", 400, "InvalidRequestException"),
                Arguments.of("POST", a, "null", 400, "InvalidRequestException"),
                Arguments.of("POST", a, "{\"namespace\":1,\"serviceAccount\":\"sa\",\"roleArn\":\"x\"}", 400, "InvalidParameterException"),
                Arguments.of("POST", a, "{\"namespace\":\"ns\",\"serviceAccount\":[\"sa\"],\"roleArn\":\"x\"}", 400, "InvalidParameterException"),
                Arguments.of("POST", a, "{\"namespace\":\"ns\",\"serviceAccount\":\"sa\",\"roleArn\":{}}", 400, "InvalidParameterException"),
                Arguments.of("POST", a, "{\"namespace\":\"ns\",\"serviceAccount\":\"sa\",\"roleArn\":\"x\",\"tags\":[1]}", 400, "InvalidParameterException"),
                Arguments.of("POST", a, "{\"namespace\":\"ns\",\"serviceAccount\":\"sa\",\"roleArn\":\"x\",\"disableSessionTags\":\"yes\"}", 400, "InvalidParameterException"),
                Arguments.of("POST", a, "{\"namespace\":\"" + "n".repeat(100_000) + "\",\"serviceAccount\":\"sa\",\"roleArn\":\"x\"}", 400, "InvalidParameterException"),
                Arguments.of("POST", a, "{\"namespace\":\"ns\\u0000\",\"serviceAccount\":\"sa\",\"roleArn\":\"x\"}", 400, "InvalidParameterException"),
                Arguments.of("POST", a, "{\"namespace\":\"nämespace\",\"serviceAccount\":\"sa\",\"roleArn\":\"x\"}", 400, "InvalidParameterException"),
                Arguments.of("POST", a, "{\"namespace\":\"ns\",\"serviceAccount\":\"sa\",\"roleArn\":\"arn:aws:iam::000000000000:role/x\",\"tags\":{\"k\\n\":\"v\"}}", 400, "InvalidParameterException"),
                Arguments.of("POST", a, "{" + "\"a\":{".repeat(100) + "}".repeat(101), 400, "InvalidRequestException"),
                Arguments.of("GET", a + "?maxResults=abc", null, 400, "InvalidParameterException"),
                Arguments.of("GET", a + "?maxResults=0", null, 400, "InvalidParameterException"),
                Arguments.of("GET", a + "?maxResults=99999999999999", null, 400, "InvalidParameterException"),
                Arguments.of("GET", a + "?nextToken=%00%01", null, 400, "InvalidParameterException"),
                Arguments.of("GET", a + "?namespace=%2E%2E", null, 400, "InvalidParameterException"),
                // API Gateway decodes the path before matching: an encoded slash separates segments, so no resource matches
                Arguments.of("GET", "/clusters/a%2Fb/pod-identity-associations", null, 403, "MissingAuthenticationTokenException"),
                Arguments.of("GET", "/clusters/%2E%2E/pod-identity-associations", null, 400, "InvalidParameterException"),
                Arguments.of("GET", a + "/a-%2E%2E%2Fetc", null, 403, "MissingAuthenticationTokenException"),
                Arguments.of("GET", a + "/a-%2E%2E", null, 400, "InvalidParameterException"),
                Arguments.of("GET", a + "/a-0000000000000000%00", null, 400, "InvalidParameterException"),
                Arguments.of("GET", "/tags/arn%3Aaws%3Aeks%3Aus-east-1%3A000000000000%3Acluster%2F..%2F..", null, 400, "BadRequestException"),
                Arguments.of("GET", "/tags/not-an-arn", null, 400, "BadRequestException"),
                Arguments.of("DELETE", "/tags/arn%3Aaws%3Aeks%3Aus-east-1%3A000000000000%3Acluster%2Fx", null, 400, "BadRequestException"),
                Arguments.of("PUT", c, "{\"issuer\":\"https://x\",\"jwks\":\"not json\"}", 400, "InvalidParameterException"),
                Arguments.of("PUT", c, "{\"issuer\":\"https://x\",\"jwks\":{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\",\"kid\":\"a\"}]}}", 400, "InvalidParameterException"),
                Arguments.of("PATCH", a, "{}", 403, "MissingAuthenticationTokenException"),
                Arguments.of("GET", "/clusters/x/unknown", null, 403, "MissingAuthenticationTokenException"),
                Arguments.of("GET", "/", null, 403, "MissingAuthenticationTokenException"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("malformed")
    void malformedRequests_are4xx_withAMessage(String method, String path, String body, int status, String type) {
        ClusterApi.Response r = ClusterApi.signed(method, path, body);
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.errorType()).isEqualTo(type);
        assertThat(r.json().path("message").asText()).isNotBlank().hasSizeLessThan(2000);
    }

    @Test
    void randomRequestBodies_neverCause5xx() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        String[] fields = {"namespace", "serviceAccount", "roleArn", "clientRequestToken", "tags", "disableSessionTags",
                "targetRoleArn", "policy", "token", "issuer", "jwks"};
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String body = randomJson(random, fields, 0);
            String[] target = switch (random.nextInt(5)) {
                case 0 -> new String[] {"POST", "/clusters/" + cluster + "/pod-identity-associations"};
                case 1 -> new String[] {"POST", "/clusters/" + cluster + "/pod-identity-associations/a-00000000000000000"};
                case 2 -> new String[] {"PUT", "/clusters/" + cluster};
                case 3 -> new String[] {"POST", "/tags/arn%3Aaws%3Aeks%3Aus-east-1%3A000000000000%3Acluster%2F" + cluster};
                default -> new String[] {"POST", "/clusters/" + cluster + "/assume-role-for-pod-identity"};
            };
            ClusterApi.Response r = ClusterApi.signed(target[0], target[1], body);
            boolean ok = (r.status() == 200 || (r.status() >= 400 && r.status() < 500))
                    && (r.status() == 200 || !r.json().path("message").asText().isBlank());
            if (!ok) {
                failures.add(r.status() + " " + target[0] + " " + target[1] + " " + body + " -> " + r.body());
            }
        }
        assertThat(failures).as("seed " + seed).isEmpty();
    }

    static String randomJson(Random random, String[] fields, int depth) {
        StringBuilder out = new StringBuilder("{");
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append('"').append(random.nextInt(4) == 0 ? randomText(random, 8) : fields[random.nextInt(fields.length)])
                    .append("\":").append(randomValue(random, fields, depth));
        }
        String json = out.append('}').toString();
        if (random.nextInt(10) == 0 && json.length() > 2) {
            return json.substring(0, random.nextInt(json.length()));
        }
        return json;
    }

    static String randomValue(Random random, String[] fields, int depth) {
        return switch (random.nextInt(depth > 2 ? 5 : 7)) {
            case 0 -> Long.toString(random.nextLong());
            case 1 -> random.nextBoolean() ? "true" : "false";
            case 2 -> "null";
            case 3 -> "\"" + randomText(random, random.nextInt(3) == 0 ? 3000 : 20) + "\"";
            case 4 -> "\"arn:aws:iam::000000000000:role/" + randomText(random, 10) + "\"";
            case 5 -> "[" + randomValue(random, fields, depth + 1) + "]";
            default -> randomJson(random, fields, depth + 1);
        };
    }

    static String randomText(Random random, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(10);
            char c = kind == 0 ? (char) random.nextInt(0x20) : kind == 1 ? (char) (0x80 + random.nextInt(0x700))
                    : (char) ('a' + random.nextInt(26));
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                default -> s.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return s.toString();
    }
}
