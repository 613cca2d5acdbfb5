package dev.podidentity.local;

import static dev.podidentity.local.Admission.admit;
import static dev.podidentity.local.Admission.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.local.agent.LocalCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eksauth.EksAuthClient;
import software.amazon.awssdk.services.eksauth.model.InvalidTokenException;

/**
 * Issue 21 over HTTP: the API server's DELETE review of a pod (AdmitPod's URL and key) writes its tombstone, and
 * AssumeRoleForPodIdentity, called with the real EKS Auth SDK client, refuses that pod's token naming the pod and the
 * time, while other pods of the same service account, and a pod re-created under the same name (new UID), work.
 * Requests to DynamoDB are counted at the local DynamoDB proxy by the test's unique cluster name.
 */
class PodDeletionTest {
    static LocalCluster cluster;
    static String url;
    static EksAuthClient eksAuth;

    @BeforeAll
    static void setUp() throws Exception {
        TestStack.get();
        cluster = LocalCluster.load(TestStack.unique("deletions"), null);
        url = Admission.webhookUrl(Admission.register(cluster.name(), LocalCluster.ISSUER, cluster.jwks(), null));
        String role = TestStack.brokerTrustedRole(TestStack.unique("deletions-role"));
        try (var eks = TestStack.eks()) {
            eks.createPodIdentityAssociation(r -> r.clusterName(cluster.name()).namespace("shop").serviceAccount("checkout")
                    .roleArn(role));
        }
        eksAuth = TestStack.eksAuth();
    }

    @AfterAll
    static void tearDown() {
        eksAuth.close();
    }

    /** A pod as the API server stores it after our webhook mutated it (the stock webhook's volume is the same). */
    static ObjectNode ourPod(String name, String uid) {
        return pod("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'" + name + "','namespace':'shop','uid':'" + uid
                + "'},'spec':{'serviceAccountName':'checkout','containers':[{'name':'app','image':'a'}],"
                + "'volumes':[{'name':'eks-pod-identity-token','projected':{'sources':[{'serviceAccountToken':"
                + "{'audience':'pods.eks.amazonaws.com','expirationSeconds':3600,'path':'eks-pod-identity-token'}}]}}]}}");
    }

    /** The review the API server sends for {@code kubectl delete pod} (grace: null for the pod's own). */
    static ObjectNode deleteReview(JsonNode pod, Long gracePeriodSeconds) {
        ObjectNode review = Admission.review("shop", null);
        ObjectNode request = (ObjectNode) review.path("request");
        request.put("operation", "DELETE").put("name", pod.path("metadata").path("name").asText());
        request.putNull("object");
        request.set("oldObject", pod);
        ObjectNode options = request.putObject("options").put("apiVersion", "meta.k8s.io/v1").put("kind", "DeleteOptions");
        if (gracePeriodSeconds != null) {
            options.put("gracePeriodSeconds", gracePeriodSeconds);
        }
        return review;
    }

    static String token(String podName, String uid) {
        return cluster.mint("shop", "checkout", podName, uid, Duration.ofHours(1));
    }

    static String assume(String token) {
        return eksAuth.assumeRoleForPodIdentity(r -> r.clusterName(cluster.name()).token(token))
                .credentials().accessKeyId();
    }

    /** Admits a DELETE review whose tombstone must be written, asking again after a timeout on this busy machine. */
    static Admission.Answer admitDeletion(ObjectNode review) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Admission.Answer a = admit(url, review);
            assertThat(a.status()).as(a.body().toString()).isEqualTo(200);
            if (!a.body().path("response").has("warnings")) {
                return a;
            }
            assertThat(a.body().path("response").path("warnings").toString()).contains("deletion not recorded");
            assertThat(System.nanoTime()).as("data store kept failing: " + a).isLessThan(deadline);
        }
    }

    @Test
    void deletedPod_isRefused_namingThePodAndTime_whileItsSiblingsAndItsReplacementWork() {
        String deleted = UUID.randomUUID().toString();
        String sibling = UUID.randomUUID().toString();
        String replacement = UUID.randomUUID().toString();
        String deletedToken = token("checkout-0", deleted);
        assertThat(assume(deletedToken)).as("works while the pod runs").startsWith("ASIA");

        Instant before = Instant.now().minusSeconds(1);
        Admission.Answer answer = admitDeletion(deleteReview(ourPod("checkout-0", deleted), 0L));
        assertThat(answer.allowed()).isTrue();
        assertThat(answer.body().path("response").has("patch")).as("a validating answer never patches").isFalse();

        assertThatThrownBy(() -> assume(deletedToken)).isInstanceOfSatisfying(InvalidTokenException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(400);
            assertThat(e.awsErrorDetails().errorMessage()).contains("pod shop/checkout-0", "uid " + deleted,
                    "of cluster " + cluster.name(), "was deleted at ");
            Instant when = Instant.parse(e.awsErrorDetails().errorMessage().replaceAll(".*was deleted at (\\S+):.*", "$1"));
            assertThat(when).isBetween(before, Instant.now().plusSeconds(1));
        });
        assertThat(assume(token("checkout-1", sibling))).as("another pod of the same service account").startsWith("ASIA");
        assertThat(assume(token("checkout-0", replacement))).as("re-created under the same name: a new UID")
                .startsWith("ASIA");
        // the diagnosis says the same
        ObjectNode body = Admission.JSON.createObjectNode().put("namespace", "shop").put("serviceAccount", "checkout")
                .put("token", deletedToken);
        JsonNode d = ClusterApi.signed("POST", "/clusters/" + cluster.name() + "/diagnose", body.toString()).json();
        JsonNode step = stepOf(d, "podNotDeleted");
        assertThat(step.path("status").asText()).isEqualTo("FAIL");
        assertThat(step.path("detail").asText()).contains("shop/checkout-0", deleted, "was deleted at");
        body.put("token", token("checkout-0", replacement));
        JsonNode healthy = ClusterApi.signed("POST", "/clusters/" + cluster.name() + "/diagnose", body.toString()).json();
        assertThat(stepOf(healthy, "podNotDeleted").path("status").asText()).isEqualTo("PASS");
    }

    static JsonNode stepOf(JsonNode diagnosis, String check) {
        for (JsonNode s : diagnosis.path("steps")) {
            if (check.equals(s.path("check").asText())) {
                return s;
            }
        }
        throw new AssertionError("no step " + check + " in " + diagnosis);
    }

    @Test
    void gracefulDelete_keepsTheTokenWorkingThroughTheGracePeriod_theKubeletsFinalDeleteEndsIt() {
        String uid = UUID.randomUUID().toString();
        ObjectNode pod = ourPod("checkout-graceful", uid);
        admitDeletion(deleteReview(pod, null)); // the pod's own terminationGracePeriodSeconds: 30 s by default
        String token = token("checkout-graceful", uid);
        assertThat(assume(token)).as("the pod is still shutting down").startsWith("ASIA");
        // the kubelet deletes the pod object once its containers stopped: grace 0, deletionTimestamp already set
        ObjectNode terminating = pod.deepCopy();
        ((ObjectNode) terminating.path("metadata")).put("deletionTimestamp", Instant.now().plusSeconds(25).toString())
                .put("deletionGracePeriodSeconds", 30);
        admitDeletion(deleteReview(terminating, 0L));
        assertThatThrownBy(() -> assume(token)).isInstanceOf(InvalidTokenException.class)
                .hasMessageContaining("checkout-graceful");
    }

    @Test
    void podsWithoutOurToken_andDryRuns_costNoTableWrite_podsWithoutOurToken_noTableCallAtAll() {
        var dynamo = TestStack.get().dynamo();
        String marker = "CLUSTER#" + cluster.name();
        dynamo.countRequestsMentioning(marker);
        // warm the webhook's cluster cache (the key check reads the cluster at most every 30 s)
        admit(url, deleteReview(pod("{'metadata':{'name':'warm','namespace':'shop','uid':'w'},'spec':{}}"), 0L));
        Map<String, Integer> before = dynamo.requestsMentioning(marker);
        ObjectNode plain = pod("{'metadata':{'name':'web-1','namespace':'shop','uid':'" + UUID.randomUUID() + "'},"
                + "'spec':{'containers':[{'name':'a'}],'volumes':[{'name':'eks-pod-identity-token','projected':"
                + "{'sources':[{'serviceAccountToken':{'audience':'sts.amazonaws.com','path':'t'}}]}}]}}");
        for (int i = 0; i < 5; i++) {
            Admission.Answer a = admit(url, deleteReview(plain, 0L));
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.allowed()).isTrue();
        }
        assertThat(dynamo.requestsMentioning(marker)).as("a pod without our token volume: no DynamoDB request")
                .isEqualTo(before);
        ObjectNode dry = deleteReview(ourPod("checkout-dry", UUID.randomUUID().toString()), 0L);
        ((ObjectNode) dry.path("request")).put("dryRun", true);
        assertThat(admit(url, dry).allowed()).isTrue();
        assertThat(dynamo.requestsMentioning(marker).getOrDefault("PutItem", 0))
                .as("kubectl delete --dry-run=server writes nothing (sideEffects: NoneOnDryRun)")
                .isEqualTo(before.getOrDefault("PutItem", 0));
        admitDeletion(deleteReview(ourPod("checkout-counted", UUID.randomUUID().toString()), 0L));
        assertThat(dynamo.requestsMentioning(marker).getOrDefault("PutItem", 0)).as("one write per tombstone")
                .isGreaterThanOrEqualTo(before.getOrDefault("PutItem", 0) + 1);
    }

    @Test
    void theBroker_readsBindingAndTombstone_inOneRoundTrip() {
        var dynamo = TestStack.get().dynamo();
        String marker = "CLUSTER#" + cluster.name();
        dynamo.countRequestsMentioning(marker);
        String token = token("checkout-rt", UUID.randomUUID().toString());
        assume(token); // warms the broker's key cache
        Map<String, Integer> before = dynamo.requestsMentioning(marker);
        assume(token);
        Map<String, Integer> after = dynamo.requestsMentioning(marker);
        assertThat(after.getOrDefault("BatchGetItem", 0) - before.getOrDefault("BatchGetItem", 0)).isEqualTo(1);
        assertThat(after.getOrDefault("GetItem", 0)).as("no other read on the warm path")
                .isEqualTo(before.getOrDefault("GetItem", 0));
    }

    @Test
    void malformedDeleteReviews_are400_echoingTheUid_andAWrongKeyIs403() {
        String uid = UUID.randomUUID().toString();
        ObjectNode noOld = deleteReview(ourPod("x", uid), 0L);
        ((ObjectNode) noOld.path("request")).putNull("oldObject");
        assertMalformed(noOld, "request.oldObject must be the Pod being deleted");

        ObjectNode noUid = deleteReview(ourPod("x", uid), 0L);
        ((ObjectNode) noUid.path("request").path("oldObject").path("metadata")).remove("uid");
        assertMalformed(noUid, "request.oldObject.metadata.uid must be the pod's UID");

        ObjectNode badName = deleteReview(ourPod("x", uid), 0L);
        ((ObjectNode) badName.path("request").path("oldObject").path("metadata")).put("name", "Not_A_Name");
        assertMalformed(badName, "request.oldObject.metadata.name must be the pod's name");

        ObjectNode badGrace = deleteReview(ourPod("x", uid), 0L);
        ((ObjectNode) badGrace.path("request").path("options")).put("gracePeriodSeconds", "soon");
        assertMalformed(badGrace, "request.options.gracePeriodSeconds must be an integer");

        ObjectNode badTimestamp = deleteReview(ourPod("x", uid), 0L);
        ((ObjectNode) badTimestamp.path("request").path("oldObject").path("metadata")).put("deletionTimestamp", "yesterday");
        assertMalformed(badTimestamp, "deletionTimestamp must be an RFC 3339 time");

        ObjectNode update = deleteReview(ourPod("x", uid), 0L);
        ((ObjectNode) update.path("request")).put("operation", "UPDATE");
        assertMalformed(update, "only CREATE and DELETE are admitted here");

        Admission.Answer wrongKey = admit(url.substring(0, url.lastIndexOf('/') + 1) + "A".repeat(43),
                deleteReview(ourPod("x", uid), 0L));
        assertThat(wrongKey.status()).isEqualTo(403);
        assertThat(wrongKey.errorType()).isEqualTo("AccessDeniedException");
    }

    static void assertMalformed(ObjectNode review, String message) {
        Admission.Answer a = admit(url, review);
        assertThat(a.status()).as(a.body().toString()).isEqualTo(400);
        assertThat(a.errorType()).isEqualTo("InvalidRequestException");
        assertThat(a.body().path("message").asText()).contains(message);
        assertThat(a.uid()).isEqualTo(review.path("request").path("uid").asText());
        assertThat(a.allowed()).isFalse();
    }
}
