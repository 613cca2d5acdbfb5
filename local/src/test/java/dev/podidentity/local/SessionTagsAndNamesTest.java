package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.local.aws.AwsStandIn;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eksauth.EksAuthClient;
import software.amazon.awssdk.services.eksauth.model.AssumeRoleForPodIdentityResponse;
import software.amazon.awssdk.services.eksauth.model.InvalidParameterException;

/**
 * sessionTags and sessionNamePolicy end to end: created over the signed API, then what STS received on
 * AssumeRole (read back from the STS stand-in) and what the issued session carries.
 */
class SessionTagsAndNamesTest {
    static final List<String> EKS_KEYS = List.of("eks-cluster-arn", "eks-cluster-name", "kubernetes-namespace",
            "kubernetes-service-account", "kubernetes-pod-name", "kubernetes-pod-uid");
    static LocalStack stack;
    static EksAuthClient eksAuth;
    static String cluster;

    @BeforeAll
    static void setUp() {
        stack = TestStack.get();
        cluster = stack.localCluster().name();
        eksAuth = TestStack.eksAuth();
    }

    @AfterAll
    static void tearDown() {
        eksAuth.close();
    }

    static String namespace(String prefix) {
        return TestStack.unique(prefix).replace(prefix + "-", prefix);
    }

    static ClusterApi.Response create(String body) {
        return ClusterApi.signed("POST", "/clusters/" + cluster + "/pod-identity-associations", body);
    }

    static JsonNode created(String body) {
        ClusterApi.Response r = create(body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("association");
    }

    static AssumeRoleForPodIdentityResponse assume(String ns, String sa, String pod) {
        String token = stack.localCluster().mint(ns, sa, pod, "uid-" + pod, Duration.ofHours(1));
        return eksAuth.assumeRoleForPodIdentity(x -> x.clusterName(cluster).token(token));
    }

    static List<AwsStandIn.AssumeRoleCall> calls(String roleArn) {
        return stack.aws().assumeRoleCalls().stream().filter(c -> c.roleArn().equals(roleArn)).toList();
    }

    @Test
    void sessionTags_reachAssumeRole_transitive_besideTheSixEksTags_andTheSession() {
        String ns = namespace("stags");
        String role = TestStack.brokerTrustedRole(TestStack.unique("stags-role"));
        JsonNode a = created("""
                {"namespace":"%s","serviceAccount":"api","roleArn":"%s",
                 "sessionTags":{"team":"payments","cost-center":"cc 42/eu"}}""".formatted(ns, role));
        assertThat(a.get("sessionTags")).isEqualTo(ClusterApi.JSON.valueToTree(
                Map.of("team", "payments", "cost-center", "cc 42/eu")));
        assertThat(a.get("sessionNamePolicy").asText()).isEqualTo("UNIQUE");
        JsonNode described = ClusterApi.signed("GET", "/clusters/" + cluster + "/pod-identity-associations/"
                + a.get("associationId").asText(), null).json().get("association");
        assertThat(described.get("sessionTags")).isEqualTo(a.get("sessionTags"));

        AssumeRoleForPodIdentityResponse r = assume(ns, "api", "api-7d9f");
        AwsStandIn.AssumeRoleCall call = calls(role).get(calls(role).size() - 1);
        assertThat(call.outcome()).isEqualTo("OK");
        assertThat(call.tags()).containsEntry("team", "payments").containsEntry("cost-center", "cc 42/eu")
                .containsEntry("kubernetes-pod-name", "api-7d9f").containsKeys(EKS_KEYS.toArray(String[]::new))
                .hasSize(8);
        assertThat(call.transitiveTagKeys()).containsExactlyInAnyOrderElementsOf(call.tags().keySet());
        assertThat(call.sessionName()).startsWith("eks-" + cluster + "-api-7d9f-");
        assertThat(stack.aws().principalOf(r.credentials().accessKeyId()).sessionTags())
                .containsEntry("team", "payments");

        // an update replaces them; an empty map removes them; disableSessionTags drops them with EKS's six
        String id = a.get("associationId").asText();
        String path = "/clusters/" + cluster + "/pod-identity-associations/" + id;
        ClusterApi.Response updated = ClusterApi.signed("POST", path, "{\"sessionTags\":{\"team\":\"risk\"}}");
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        assertThat(updated.json().get("association").get("sessionTags").toString()).isEqualTo("{\"team\":\"risk\"}");
        assume(ns, "api", "api-7d9f");
        assertThat(calls(role).get(calls(role).size() - 1).tags()).containsEntry("team", "risk").hasSize(7);

        assertThat(ClusterApi.signed("POST", path, "{\"disableSessionTags\":true}").status()).isEqualTo(200);
        assume(ns, "api", "api-7d9f");
        assertThat(calls(role).get(calls(role).size() - 1).tags()).isEmpty();

        ClusterApi.Response cleared = ClusterApi.signed("POST", path, "{\"sessionTags\":{},\"disableSessionTags\":false}");
        assertThat(cleared.json().get("association").get("sessionTags").size()).isZero();
        assume(ns, "api", "api-7d9f");
        assertThat(calls(role).get(calls(role).size() - 1).tags().keySet()).containsExactlyInAnyOrderElementsOf(EKS_KEYS);
    }

    @Test
    void sessionTags_withinStsLimits_orA400NamingTheLimit_andNothingWritten() {
        String ns = namespace("slimit");
        String role = TestStack.brokerTrustedRole(TestStack.unique("slimit-role"));
        Map<String, String> tooMany = new LinkedHashMap<>();
        for (int i = 0; i < 45; i++) {
            tooMany.put("k" + i, "v");
        }
        String many = ClusterApi.JSON.valueToTree(tooMany).toString();
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"kubernetes-namespace\":\"x\"}", "is reserved");
        cases.put("{\"EKS-team\":\"x\"}", "is reserved");
        cases.put(many, "at most 44 are allowed");
        cases.put("{\"Team\":\"a\",\"team\":\"b\"}", "differ only in case");
        cases.put("{\"" + "k".repeat(129) + "\":\"x\"}", "1-128 characters");
        cases.put("{\"team\":\"" + "v".repeat(257) + "\"}", "at most 256");
        cases.put("{\"team\":\"a;b\"}", "characters STS session tags cannot hold");
        cases.put("{\"team\":5}", "sessionTags.team must be a string");
        cases.forEach((tags, message) -> {
            ClusterApi.Response r = create("""
                    {"namespace":"%s","serviceAccount":"sa","roleArn":"%s","sessionTags":%s}""".formatted(ns, role, tags));
            assertThat(r.status()).as(tags + " → " + r.body()).isEqualTo(400);
            assertThat(r.errorType()).isEqualTo("InvalidParameterException");
            assertThat(r.json().get("message").asText()).as(tags).contains(message);
        });
        ClusterApi.Response badPolicy = create("""
                {"namespace":"%s","serviceAccount":"sa","roleArn":"%s","sessionNamePolicy":"STABLE"}""".formatted(ns, role));
        assertThat(badPolicy.status()).isEqualTo(400);
        assertThat(badPolicy.json().get("message").asText()).contains("use one of UNIQUE, POD, SERVICE_ACCOUNT");
        ClusterApi.Response list = ClusterApi.signed("GET", "/clusters/" + cluster + "/pod-identity-associations?namespace="
                + ns, null);
        assertThat(list.json().get("associations").size()).as("no partial write").isZero();
    }

    @Test
    void packedPolicyTooLarge_fromSts_isA400ThatSaysWhatToShorten_notA500() {
        String ns = namespace("spacked");
        String role = TestStack.brokerTrustedRole(TestStack.unique("spacked-role"));
        Map<String, String> big = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
            big.put("k" + i + "-" + "k".repeat(100), "v".repeat(256));
        }
        created("""
                {"namespace":"%s","serviceAccount":"sa","roleArn":"%s","sessionTags":%s}"""
                .formatted(ns, role, ClusterApi.JSON.valueToTree(big)));
        String token = stack.localCluster().mint(ns, "sa", "p1", "u1", Duration.ofHours(1));
        InvalidParameterException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidParameterException.class,
                () -> eksAuth.assumeRoleForPodIdentity(x -> x.clusterName(cluster).token(token)));
        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(e.getMessage()).contains("PackedPolicyTooLarge").contains("shorten or remove sessionTags");
        assertThat(calls(role)).extracting(AwsStandIn.AssumeRoleCall::outcome).containsExactly("PackedPolicyTooLarge");
    }

    @Test
    void sessionNamePolicy_pod_isStableAcrossRenewals_serviceAccount_acrossPods() {
        String ns = namespace("sname");
        String podRole = TestStack.brokerTrustedRole(TestStack.unique("sname-pod"));
        String saRole = TestStack.brokerTrustedRole(TestStack.unique("sname-sa"));
        created("""
                {"namespace":"%s","serviceAccount":"kafka","roleArn":"%s","sessionNamePolicy":"POD"}""".formatted(ns, podRole));
        created("""
                {"namespace":"%s","serviceAccount":"batch","roleArn":"%s","sessionNamePolicy":"SERVICE_ACCOUNT"}"""
                .formatted(ns, saRole));

        assume(ns, "kafka", "kafka-0");
        assume(ns, "kafka", "kafka-0");
        assume(ns, "kafka", "kafka-1");
        List<String> podNames = calls(podRole).stream().map(AwsStandIn.AssumeRoleCall::sessionName).toList();
        assertThat(podNames).containsExactly("eks-" + cluster + "-" + ns + "-kafka-0", "eks-" + cluster + "-" + ns
                + "-kafka-0", "eks-" + cluster + "-" + ns + "-kafka-1");
        assertThat(calls(podRole).get(2).tags()).containsEntry("kubernetes-pod-name", "kafka-1")
                .containsEntry("kubernetes-pod-uid", "uid-kafka-1");

        // a name past STS's 64 characters keeps its start and ends with a hash of the whole: still deterministic
        String longPod = "batch-worker-" + "x".repeat(60);
        AssumeRoleForPodIdentityResponse first = assume(ns, "batch", longPod);
        assume(ns, "batch", "batch-other");
        List<String> saNames = calls(saRole).stream().map(AwsStandIn.AssumeRoleCall::sessionName).distinct().toList();
        assertThat(saNames).hasSize(1);
        String name = saNames.get(0);
        String full = "eks-" + cluster + "-" + ns + "-batch";
        if (full.length() <= 64) {
            assertThat(name).isEqualTo(full);
        } else {
            assertThat(name).hasSize(64).startsWith(full.substring(0, 51)).matches(".*-[0-9a-f]{12}");
        }
        assertThat(first.assumedRoleUser().arn()).endsWith("/" + name);
    }

    @Test
    void sessionNamePolicy_pod_shortensLongNamesWithAHash() {
        String ns = namespace("slong");
        String role = TestStack.brokerTrustedRole(TestStack.unique("slong-role"));
        created("""
                {"namespace":"%s","serviceAccount":"sa","roleArn":"%s","sessionNamePolicy":"POD"}""".formatted(ns, role));
        String podA = "consumer-" + "a".repeat(70);
        String podB = "consumer-" + "a".repeat(69) + "b";
        assume(ns, "sa", podA);
        assume(ns, "sa", podA);
        assume(ns, "sa", podB);
        List<String> names = calls(role).stream().map(AwsStandIn.AssumeRoleCall::sessionName).toList();
        assertThat(names).allSatisfy(n -> assertThat(n).hasSize(64).matches("[\\w+=,.@-]+-[0-9a-f]{12}"));
        assertThat(names.get(0)).isEqualTo(names.get(1)).isNotEqualTo(names.get(2));
        assertThat(names.get(0).substring(0, 51)).isEqualTo(names.get(2).substring(0, 51));
    }
}
