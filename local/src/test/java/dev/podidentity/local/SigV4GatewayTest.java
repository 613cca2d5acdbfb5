package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podidentity.local.aws.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.http.SdkHttpRequest;

/** SigV4 at the local API Gateway: every forgery is a 403 with API Gateway's message, and no handler runs. */
class SigV4GatewayTest {
    static final String BODY = "{\"namespace\":\"ns\",\"serviceAccount\":\"sa\",\"roleArn\":\"arn:aws:iam::000000000000:role/x\"}";
    static final String PATH = "/clusters/sigv4/pod-identity-associations";

    static SdkHttpRequest signed(String pathAndQuery, String body, Clock clock, String service) {
        return ClusterApi.signedRequest("POST", pathAndQuery, body, TestStack.get().adminCredentials(), service, clock);
    }

    static Stream<Arguments> forgeries() {
        LocalStack stack = TestStack.get();
        Clock now = Clock.systemUTC();
        Principal admin = stack.credentials().find(stack.adminCredentials().accessKeyId()).orElseThrow().principal();
        Principal.Credentials expired = stack.credentials().newSession(admin, Instant.now().minusSeconds(5));
        return Stream.of(
                Arguments.of("wrong secret", ClusterApi.send(
                        ClusterApi.signedRequest("POST", PATH, BODY, AwsBasicCredentials.create(
                                stack.adminCredentials().accessKeyId(), "not-the-secret"), "execute-api", now), BODY),
                        "InvalidSignatureException", "The request signature we calculated does not match"),
                Arguments.of("body changed after signing", ClusterApi.send(signed(PATH, BODY, now, "execute-api"),
                        BODY.replace("ns", "xx")), "InvalidSignatureException", "does not match"),
                Arguments.of("path changed after signing", ClusterApi.send(
                        signed(PATH, BODY, now, "execute-api").toBuilder().encodedPath("/clusters/other/pod-identity-associations").build(),
                        BODY), "InvalidSignatureException", "does not match"),
                Arguments.of("query changed after signing", ClusterApi.send(
                        ClusterApi.signedRequest("GET", "/clusters/sigv4/pod-identity-associations?namespace=a", null,
                                stack.adminCredentials(), "execute-api", now).toBuilder()
                                .putRawQueryParameter("namespace", "b").build(), null),
                        "InvalidSignatureException", "does not match"),
                Arguments.of("a signed header missing", ClusterApi.send(
                        signed(PATH, BODY, now, "execute-api").toBuilder().removeHeader("X-Amz-Date").build(), BODY),
                        "IncompleteSignatureException", "X-Amz-Date"),
                Arguments.of("signed 10 minutes ago", ClusterApi.send(signed(PATH, BODY,
                        Clock.fixed(Instant.now().minus(Duration.ofMinutes(10)), ZoneOffset.UTC), "execute-api"), BODY),
                        "InvalidSignatureException", "Signature expired"),
                Arguments.of("signed 10 minutes ahead", ClusterApi.send(signed(PATH, BODY,
                        Clock.fixed(Instant.now().plus(Duration.ofMinutes(10)), ZoneOffset.UTC), "execute-api"), BODY),
                        "InvalidSignatureException", "Signature not yet current"),
                Arguments.of("scoped to eks instead of execute-api", ClusterApi.send(signed(PATH, BODY, now, "eks"), BODY),
                        "InvalidSignatureException", "Credential should be scoped to correct service: 'execute-api'"),
                Arguments.of("scoped to another region than the API's", ClusterApi.send(ClusterApi.signedRequest("POST", PATH,
                        BODY, stack.adminCredentials(), "execute-api", "eu-west-1", now), BODY),
                        "InvalidSignatureException", "Credential should be scoped to a valid region"),
                Arguments.of("unknown access key", ClusterApi.send(ClusterApi.signedRequest("POST", PATH, BODY,
                        AwsBasicCredentials.create("AKIAUNKNOWNUNKNOWN00", "x"), "execute-api", now), BODY),
                        "UnrecognizedClientException", "The security token included in the request is invalid"),
                Arguments.of("expired session token", ClusterApi.send(ClusterApi.signedRequest("POST", PATH, BODY,
                        AwsSessionCredentials.create(expired.accessKeyId(), expired.secretAccessKey(), expired.sessionToken()),
                        "execute-api", now), BODY), "ExpiredTokenException", "expired"),
                Arguments.of("session key without its token", ClusterApi.send(ClusterApi.signedRequest("POST", PATH, BODY,
                        AwsBasicCredentials.create(expired.accessKeyId(), expired.secretAccessKey()), "execute-api", now), BODY),
                        "UnrecognizedClientException", "invalid"),
                Arguments.of("no signature at all", ClusterApi.send(SdkHttpRequest.builder()
                        .uri(java.net.URI.create(stack.apiUrl() + PATH)).method(software.amazon.awssdk.http.SdkHttpMethod.POST)
                        .putHeader("Content-Type", "application/json").build(), BODY),
                        "MissingAuthenticationTokenException", "Missing Authentication Token"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgeries")
    void forgedRequests_are403_beforeAnyHandler(String name, ClusterApi.Response response, String type, String message) {
        assertThat(response.status()).as(name).isEqualTo(403);
        assertThat(response.errorType()).as(name).isEqualTo(type);
        assertThat(response.json().path("message").asText()).as(name).contains(message);
    }

    @Test
    void refusedRequests_neverReachAHandler_whileAGoodOneDoes() {
        LocalStack stack = TestStack.get();
        long before = stack.handlerInvocations();
        List<ClusterApi.Response> refused = forgeries().map(a -> (ClusterApi.Response) a.get()[1]).toList();
        assertThat(refused).allMatch(r -> r.status() == 403);
        ClusterApi.Response unknownRoute = ClusterApi.signed("GET", "/nowhere", null);
        assertThat(unknownRoute.status()).isEqualTo(403);
        assertThat(unknownRoute.errorType()).isEqualTo("MissingAuthenticationTokenException");
        assertThat(stack.handlerInvocations()).isEqualTo(before);
        assertThat(ClusterApi.signed("GET", "/clusters", null).status()).isEqualTo(200);
        assertThat(stack.handlerInvocations()).isEqualTo(before + 1);
    }

    @Test
    void callersNeedExecuteApiInvoke_onTheMethod_asWithApiGatewayIamAuthorization() {
        LocalStack stack = TestStack.get();
        String user = TestStack.unique("reader");
        AwsBasicCredentials reader;
        try (var iam = TestStack.iam()) {
            iam.createUser(r -> r.userName(user));
            iam.putUserPolicy(r -> r.userName(user).policyName("read").policyDocument(
                    "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"execute-api:Invoke\","
                            + "\"Resource\":\"arn:aws:execute-api:us-east-1:000000000000:local/local/GET/*\"}]}"));
            var key = iam.createAccessKey(r -> r.userName(user)).accessKey();
            reader = AwsBasicCredentials.create(key.accessKeyId(), key.secretAccessKey());
        }
        long before = stack.handlerInvocations();
        ClusterApi.Response denied = ClusterApi.signed("POST", PATH, BODY, reader, "execute-api", Clock.systemUTC());
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.errorType()).isEqualTo("AccessDeniedException");
        assertThat(denied.json().path("Message").asText()).contains("is not authorized to perform: execute-api:Invoke on"
                + " resource: arn:aws:execute-api:us-east-1:000000000000:local/local/POST" + PATH);
        assertThat(stack.handlerInvocations()).isEqualTo(before);
        assertThat(ClusterApi.signed("GET", "/clusters", null, reader, "execute-api", Clock.systemUTC()).status()).isEqualTo(200);
    }

    @Test
    void curlSignatures_withoutContentSha256_verify_andWrongOnesDoNot() throws Exception {
        // the SDK signs x-amz-content-sha256; curl and botocore do not: both must verify
        LocalStack stack = TestStack.get();
        String user = stack.adminCredentials().accessKeyId() + ":" + stack.adminCredentials().secretAccessKey();
        assertThat(curl(user, stack.apiUrl() + "/clusters")).startsWith("200 ");
        assertThat(curl(stack.adminCredentials().accessKeyId() + ":wrong", stack.apiUrl() + "/clusters")).startsWith("403 ");
    }

    static String curl(String user, String url) throws Exception {
        Process p = new ProcessBuilder("curl", "-s", "-w", "%{http_code} ", "-o", "/dev/null",
                "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", user, url).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        return out;
    }
}
