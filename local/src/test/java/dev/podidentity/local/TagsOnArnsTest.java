package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.scheme.AuthSchemeOption;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eks.EksClient;

/**
 * Tag operations on real ARNs, whose slashes reach the API either percent-encoded inside one segment (SDKs: the
 * EKS model's label is not greedy) or raw (people writing URLs by hand, curl): both must route to the greedy
 * {@code /tags/{resourceArn+}} resource, verify their signatures, and name the exact resource. Paths API Gateway
 * would not match are 403 MissingAuthenticationToken before any handler runs.
 */
class TagsOnArnsTest {
    static String cluster;
    static String clusterArn;
    static String associationArn;

    @BeforeAll
    static void setUp() {
        cluster = TestStack.registerCluster(TestStack.unique("tagarn"));
        clusterArn = "arn:aws:eks:us-east-1:000000000000:cluster/" + cluster;
        String role = TestStack.brokerTrustedRole(TestStack.unique("tagarn-role"));
        try (EksClient eks = TestStack.eks()) {
            associationArn = eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("ns")
                    .serviceAccount("sa").roleArn(role)).association().associationArn();
        }
        assertThat(associationArn).startsWith("arn:aws:eks:us-east-1:000000000000:podidentityassociation/" + cluster + "/a-");
    }

    static Stream<String> arns() {
        return Stream.of(clusterArn, associationArn);
    }

    @ParameterizedTest
    @MethodSource("arns")
    void sdk_tagsListsAndUntags_withTheArnEncodedIntoOneSegment(String arn) {
        try (EksClient eks = TestStack.eks()) {
            eks.tagResource(r -> r.resourceArn(arn).tags(Map.of("sdk", "yes", "sdk-gone", "soon")));
            assertThat(eks.listTagsForResource(r -> r.resourceArn(arn)).tags())
                    .containsEntry("sdk", "yes").containsEntry("sdk-gone", "soon");
            eks.untagResource(r -> r.resourceArn(arn).tagKeys("sdk-gone"));
            assertThat(eks.listTagsForResource(r -> r.resourceArn(arn)).tags())
                    .containsEntry("sdk", "yes").doesNotContainKey("sdk-gone");
        }
    }

    @ParameterizedTest
    @MethodSource("arns")
    void rawSlashes_asPeopleWriteThem_tagListAndUntag_theSameResource(String arn) {
        // signed per SigV4 (the signer encodes the raw path once more, ':' -> %3A), as botocore and awscurl do
        ClusterApi.Response tagged = ClusterApi.signed("POST", "/tags/" + arn, "{\"tags\":{\"raw\":\"yes\",\"raw-gone\":\"soon\"}}");
        assertThat(tagged.status()).as(tagged.body()).isEqualTo(200);
        ClusterApi.Response listed = ClusterApi.signed("GET", "/tags/" + arn, null);
        assertThat(listed.status()).as(listed.body()).isEqualTo(200);
        assertThat(listed.json().path("tags").path("raw").asText()).isEqualTo("yes");
        assertThat(listed.json().path("tags").path("raw-gone").asText()).isEqualTo("soon");
        ClusterApi.Response untagged = ClusterApi.signed("DELETE", "/tags/" + arn + "?tagKeys=raw-gone", null);
        assertThat(untagged.status()).as(untagged.body()).isEqualTo(200);
        try (EksClient eks = TestStack.eks()) {
            assertThat(eks.listTagsForResource(r -> r.resourceArn(arn)).tags())
                    .as("the SDK's encoded form names the same resource").containsEntry("raw", "yes").doesNotContainKey("raw-gone");
        }
        String colonsEncoded = "/tags/" + arn.replace(":", "%3A");
        ClusterApi.Response mixed = ClusterApi.signed("GET", colonsEncoded, null);
        assertThat(mixed.status()).as(mixed.body()).isEqualTo(200);
        assertThat(mixed.json().path("tags").path("raw").asText()).isEqualTo("yes");
    }

    @Test
    void theSdk_sendsTheArnAsOneEncodedSegment_andItRoutes() {
        List<String> sent = new CopyOnWriteArrayList<>();
        ExecutionInterceptor capture = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                sent.add(context.httpRequest().encodedPath());
            }
        };
        LocalStack stack = TestStack.get();
        try (EksClient eks = EksClient.builder()
                .endpointOverride(URI.create(stack.apiUrl()))
                .region(Region.of(stack.region()))
                .credentialsProvider(StaticCredentialsProvider.create(stack.adminCredentials()))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.addExecutionInterceptor(capture))
                .authSchemeProvider(params -> List.of(AuthSchemeOption.builder()
                        .schemeId(AwsV4AuthScheme.SCHEME_ID)
                        .putSignerProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api")
                        .putSignerProperty(AwsV4HttpSigner.REGION_NAME, stack.region())
                        .build()))
                .build()) {
            eks.listTagsForResource(r -> r.resourceArn(associationArn));
        }
        String[] parts = associationArn.split("/");
        assertThat(sent).containsExactly("/tags/" + parts[0].replace(":", "%3A") + "%2F" + parts[1] + "%2F" + parts[2]);
    }

    @Test
    void curl_withRawSlashes_isAnsweredAsAwsWould() throws Exception {
        LocalStack stack = TestStack.get();
        String user = stack.adminCredentials().accessKeyId() + ":" + stack.adminCredentials().secretAccessKey();
        int[] version = curlVersion();
        Assumptions.assumeTrue(version != null, "curl is not installed");
        Process p = new ProcessBuilder("curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--aws-sigv4",
                "aws:amz:us-east-1:execute-api", "--user", user, stack.apiUrl() + "/tags/" + clusterArn).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        String status = out.substring(out.lastIndexOf('\n') + 1);
        if (version[0] < 8 || (version[0] == 8 && version[1] < 9)) {
            // curl before 8.9 puts the path into the canonical request as written (curl/curl#13754): ':' unencoded,
            // where SigV4 for execute-api wants it encoded once more (%3A). AWS refuses such a signature; so do we.
            assertThat(status).as(out).isEqualTo("403");
            assertThat(out).contains("The request signature we calculated does not match");
        } else {
            Assumptions.assumeTrue(version[0] > 8 || version[1] >= 14,
                    "curl 8.9-8.13 encodes the canonical path differently from 8.14+; not asserted");
            assertThat(status).as(out).isEqualTo("200");
        }
    }

    static int[] curlVersion() {
        try {
            Process p = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            Matcher m = Pattern.compile("^curl (\\d+)\\.(\\d+)").matcher(out);
            return m.find() ? new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))} : null;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static Stream<Arguments> unmatched() {
        return Stream.of(
                Arguments.of("GET", "/tags"),
                Arguments.of("GET", "/tags/"),
                Arguments.of("POST", "/tags"),
                Arguments.of("PUT", "/tags/arn:aws:eks:us-east-1:000000000000:cluster/x"),
                Arguments.of("PATCH", "/tags/arn%3Aaws%3Aeks%3Aus-east-1%3A000000000000%3Acluster%2Fx"),
                Arguments.of("GET", "/clusters/x/unknown"),
                Arguments.of("GET", "/clusters/a%2Fb/pod-identity-associations"),
                Arguments.of("GET", "/clusters/x/pod-identity-associations/a-0%2Fextra"),
                Arguments.of("GET", "/tag/arn:aws:eks:us-east-1:000000000000:cluster/x"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("unmatched")
    void pathsApiGatewayWouldNotMatch_are403MissingAuthenticationToken_beforeAnyHandler(String method, String path) {
        long before = TestStack.get().handlerInvocations();
        ClusterApi.Response r = ClusterApi.signed(method, path, method.equals("GET") ? null : "{}");
        assertThat(r.status()).as(r.body()).isEqualTo(403);
        assertThat(r.errorType()).isEqualTo("MissingAuthenticationTokenException");
        assertThat(r.json().path("message").asText()).isEqualTo("Missing Authentication Token");
        assertThat(TestStack.get().handlerInvocations()).isEqualTo(before);
    }

    @Test
    void moreAfterTheArn_reachesTheHandler_whichSaysWhatIsWrong() {
        ClusterApi.Response r = ClusterApi.signed("GET", "/tags/" + clusterArn + "/extra", null);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.errorType()).isEqualTo("BadRequestException");
        assertThat(r.json().path("message").asText()).contains("is not the ARN of a cluster or pod identity association");
    }
}
