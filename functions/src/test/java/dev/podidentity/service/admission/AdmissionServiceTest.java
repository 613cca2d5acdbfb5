package dev.podidentity.service.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.PodTokenLifetime;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.ServiceIdentity;
import dev.podidentity.service.AssociationService;
import dev.podidentity.service.ClusterService;
import dev.podidentity.service.CreateAssociationRequest;
import dev.podidentity.service.PageTokens;
import dev.podidentity.testing.InMemoryStore;
import dev.podidentity.testing.MovableClock;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * AdmitPod without HTTP, over the in-memory store on a movable clock: the webhook key decides before the body is
 * read, a malformed review is a 400 that says what is wrong (echoing the uid when it could be read), only an
 * associated service account's pod is patched, and a failure of the data store lets the pod in unpatched.
 */
class AdmissionServiceTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ServiceIdentity IDENTITY = new ServiceIdentity("aws", "us-east-1", "111122223333");
    static final String ROLE = "arn:aws:iam::111122223333:role/app";
    static final String ISSUER = "https://oidc.example/prod";
    static final String UID = "705ab4f5-6393-11e8-b7cc-42010a800002";
    /** An EC key (generated in microseconds; RegisterCluster takes it like an RSA key), once per JVM. */
    static final String JWKS = jwks();

    final MovableClock clock = new MovableClock(Instant.parse("2026-11-29T12:00:00Z"));
    final InMemoryStore store = new InMemoryStore(clock);
    final PageTokens pageTokens = new PageTokens("unit-test-key".getBytes(StandardCharsets.UTF_8));
    final ClusterService clusters = new ClusterService(store, IDENTITY, pageTokens, clock);
    final AssociationService associations = new AssociationService(store, (role, tagSession, caller) -> { }, IDENTITY,
            pageTokens, clock);
    /** The store the service reads through; a test may make it fail (see {@link #failing}). */
    final AtomicInteger clusterReads = new AtomicInteger();
    volatile RuntimeException findClusterFailure;
    volatile RuntimeException findBindingFailure;
    AdmissionService admission;
    String key;

    static String jwks() {
        try {
            return new JWKSet(new ECKeyGenerator(Curve.P_256).keyID("k1").generate().toPublicJWK()).toString();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void setUp() {
        key = register("prod", null, false);
        associate("prod", "shop", "api");
        admission = new AdmissionService(failing(), clock);
    }

    String register(String cluster, Integer lifetime, boolean rotate) {
        return clusters.register(cluster, ISSUER, JWKS, Map.of(), lifetime, rotate).webhookKey();
    }

    void associate(String cluster, String namespace, String serviceAccount) {
        associations.create(new CreateAssociationRequest(cluster, namespace, serviceAccount, ROLE, null, null, null, null,
                null), null);
    }

    /** The in-memory store, counting cluster reads and failing where a test says so. */
    PodIdentityStore failing() {
        return (PodIdentityStore) Proxy.newProxyInstance(PodIdentityStore.class.getClassLoader(),
                new Class<?>[] {PodIdentityStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("findCluster")) {
                        clusterReads.incrementAndGet();
                        if (findClusterFailure != null) {
                            throw findClusterFailure;
                        }
                    }
                    if (method.getName().equals("findBinding") && findBindingFailure != null) {
                        throw findBindingFailure;
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    static ObjectNode json(String singleQuoted) {
        try {
            return (ObjectNode) JSON.readTree(singleQuoted.replace('\'', '"'));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A pod CREATE review as kube-apiserver sends it, for a pod with one container. */
    static ObjectNode review(String namespace, String serviceAccount) {
        ObjectNode review = json("{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':'" + UID
                + "','kind':{'group':'','version':'v1','kind':'Pod'},'resource':{'group':'','version':'v1','resource':'pods'},"
                + "'operation':'CREATE','object':{'metadata':{'generateName':'api-'},'spec':{'containers':[{'name':'app'}]}}}}");
        ObjectNode request = (ObjectNode) review.get("request");
        if (namespace != null) {
            request.put("namespace", namespace);
        }
        if (serviceAccount != null) {
            ((ObjectNode) request.path("object").path("spec")).put("serviceAccountName", serviceAccount);
        }
        return review;
    }

    static ObjectNode changed(ObjectNode review, Consumer<ObjectNode> change) {
        ObjectNode copy = review.deepCopy();
        change.accept((ObjectNode) copy.get("request"));
        return copy;
    }

    AdmissionService.Outcome admit(String cluster, String webhookKey, JsonNode review) {
        return admission.admit(cluster, webhookKey, review::toString);
    }

    static void assertPatchedWithLifetime(AdmissionService.Outcome outcome, int seconds) {
        assertThat(outcome.patch()).isNotNull();
        assertThat(outcome.patch().toString())
                .contains("\"path\":\"/spec/containers/0/env\"")
                .contains(PodPatch.FULL_URI)
                .contains("\"path\":\"/spec/volumes\"")
                .contains("\"expirationSeconds\":" + seconds + ",");
        assertThat(outcome.failure()).isNull();
    }

    // ------------------------------------------------------------------------------------------- the answer

    @Test
    void aPodOfAnAssociatedServiceAccountIsPatched_withTheClustersTokenLifetime_andTheUidEchoed() {
        AdmissionService.Outcome outcome = admit("prod", key, review("shop", "api"));

        assertThat(outcome.uid()).isEqualTo(UID);
        assertThat(outcome.namespace()).isEqualTo("shop");
        assertThat(outcome.serviceAccount()).isEqualTo("api");
        assertPatchedWithLifetime(outcome, PodTokenLifetime.DEFAULT_SECONDS);
        assertThat(outcome.patch()).isEqualTo(PodPatch.build(review("shop", "api").path("request").path("object"),
                PodTokenLifetime.DEFAULT_SECONDS));
    }

    @Test
    void aPodOfAServiceAccountWithoutAssociationIsLetInUnpatched() {
        AdmissionService.Outcome outcome = admit("prod", key, review("shop", "worker"));

        assertThat(outcome.uid()).isEqualTo(UID);
        assertThat(outcome.patch()).isNull();
        assertThat(outcome.failure()).isNull();
        assertThat(outcome.serviceAccount()).isEqualTo("worker");
        // the same service account in another namespace, and in another cluster, is another subject
        assertThat(admit("prod", key, review("other", "api")).patch()).isNull();
        String stagingKey = register("staging", null, false);
        assertThat(admit("staging", stagingKey, review("shop", "api")).patch()).isNull();
    }

    @Test
    void aPodWithoutAServiceAccountNameRunsAsDefault() {
        associate("prod", "shop", "default");

        AdmissionService.Outcome absent = admit("prod", key, review("shop", null));
        AdmissionService.Outcome empty = admit("prod", key, review("shop", ""));
        AdmissionService.Outcome nullName = admit("prod", key, changed(review("shop", null),
                r -> ((ObjectNode) r.path("object").path("spec")).putNull("serviceAccountName")));

        for (AdmissionService.Outcome outcome : new AdmissionService.Outcome[] {absent, empty, nullName}) {
            assertThat(outcome.serviceAccount()).isEqualTo("default");
            assertPatchedWithLifetime(outcome, PodTokenLifetime.DEFAULT_SECONDS);
        }
    }

    @Test
    void theNamespaceComesFromThePodWhenTheRequestDoesNotNameIt() {
        ObjectNode review = changed(review(null, "api"),
                r -> ((ObjectNode) r.path("object").path("metadata")).put("namespace", "shop"));

        AdmissionService.Outcome outcome = admit("prod", key, review);

        assertThat(outcome.namespace()).isEqualTo("shop");
        assertPatchedWithLifetime(outcome, PodTokenLifetime.DEFAULT_SECONDS);
    }

    @Test
    void anAlreadyPatchedPodGetsNoPatch() {
        ObjectNode review = review("shop", "api");
        JsonNode pod = review.path("request").path("object");
        ((ObjectNode) pod.path("spec").path("containers").get(0)).set("env", JSON.createArrayNode()
                .add(JSON.createObjectNode().put("name", PodPatch.FULL_URI_VAR).put("value", PodPatch.FULL_URI))
                .add(JSON.createObjectNode().put("name", PodPatch.TOKEN_FILE_VAR).put("value", PodPatch.TOKEN_FILE)));
        ((ObjectNode) pod.path("spec").path("containers").get(0)).set("volumeMounts", JSON.createArrayNode()
                .add(JSON.createObjectNode().put("name", PodPatch.VOLUME).put("mountPath", PodPatch.MOUNT_PATH)));
        ObjectNode volume = JSON.createObjectNode().put("name", PodPatch.VOLUME);
        volume.putObject("projected").putArray("sources").addObject().putObject("serviceAccountToken")
                .put("audience", PodPatch.AUDIENCE).put("path", "eks-pod-identity-token");
        ((ObjectNode) pod.path("spec")).set("volumes", JSON.createArrayNode().add(volume));

        AdmissionService.Outcome outcome = admit("prod", key, review);

        assertThat(outcome.patch()).as("a reinvocation: nothing to add, and no empty patch").isNull();
        assertThat(outcome.reason()).isEqualTo(dev.podidentity.service.admission.AdmissionReason.UNCHANGED);
        assertThat(outcome.warnings()).isEmpty();
        assertThat(outcome.failure()).isNull();
        assertThat(outcome.serviceAccount()).isEqualTo("api");
    }

    @Test
    void theTokenLifetimeFollowsTheCluster_withinTheCacheInterval() {
        assertPatchedWithLifetime(admit("prod", key, review("shop", "api")), PodTokenLifetime.DEFAULT_SECONDS);
        register("prod", 7200, false);

        clock.advance(AdmissionService.CLUSTER_CACHE_TTL);

        assertPatchedWithLifetime(admit("prod", key, review("shop", "api")), 7200);
    }

    // -------------------------------------------------------------------------------------- the webhook key

    static void assertDenied(Runnable call) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_DENIED))
                .hasMessageContaining("webhookUrl");
    }

    /** A body that fails the test when read: a refused key must be decided before the review is parsed. */
    static Supplier<String> unread() {
        return () -> {
            throw new AssertionError("the review was read before the webhook key was checked");
        };
    }

    @Test
    void aWrongWebhookKeyIsAccessDenied_beforeTheReviewIsRead() {
        assertDenied(() -> admission.admit("prod", "not-the-key", unread()));
        assertDenied(() -> admission.admit("prod", key + "x", unread()));
        assertDenied(() -> admission.admit("prod", key.substring(1), unread()));
        assertDenied(() -> admission.admit("prod", "", unread()));
        assertDenied(() -> admission.admit("prod", null, unread()));
        // the stored hash is not the key
        assertDenied(() -> admission.admit("prod", store.findCluster("prod").orElseThrow().webhookKeyHash(), unread()));
    }

    @Test
    void aWrongKeyIsDenied_alsoWhenTheRightKeyIsCached() {
        assertThat(admit("prod", key, review("shop", "api")).patch()).isNotNull();

        assertDenied(() -> admission.admit("prod", "not-the-key", unread()));
        assertThat(admit("prod", key, review("shop", "api")).patch()).isNotNull();
    }

    @Test
    void anotherClustersKeyIsAccessDenied() {
        String stagingKey = register("staging", null, false);
        associate("staging", "shop", "api");

        assertDenied(() -> admission.admit("prod", stagingKey, unread()));
        assertDenied(() -> admission.admit("staging", key, unread()));
        assertThat(admit("staging", stagingKey, review("shop", "api")).patch()).isNotNull();
    }

    @Test
    void anUnknownOrInvalidClusterNameIsAccessDenied_notABadRequest() {
        assertDenied(() -> admission.admit("absent", key, unread()));
        assertDenied(() -> admission.admit("Not A Cluster", key, unread()));
        assertDenied(() -> admission.admit("", key, unread()));
        assertDenied(() -> admission.admit(null, key, unread()));
    }

    @Test
    void aRotatedKeyWorksAtOnce_andTheOldOneIsRefusedWithinTheCacheInterval() {
        assertThat(admit("prod", key, review("shop", "api")).patch()).isNotNull();
        String rotated = register("prod", null, true);

        assertThat(admit("prod", rotated, review("shop", "api")).patch()).isNotNull();
        clock.advance(AdmissionService.CLUSTER_CACHE_TTL);

        String old = key;
        assertDenied(() -> admission.admit("prod", old, unread()));
        assertThat(admit("prod", rotated, review("shop", "api")).patch()).isNotNull();
    }

    @Test
    void aDeletedClustersKeyIsRefusedOnceTheCacheIntervalHasPassed() {
        assertThat(admit("prod", key, review("shop", "api")).patch()).isNotNull();
        store.deleteAssociation(store.findAssociation("prod",
                store.findBinding("prod", "shop", "api").orElseThrow().associationId()).orElseThrow());
        store.deleteCluster("prod");

        clock.advance(AdmissionService.CLUSTER_CACHE_TTL);

        assertDenied(() -> admission.admit("prod", key, unread()));
    }

    @Test
    void theClusterIsReadOncePerCacheInterval_forTheRightKey() {
        for (int i = 0; i < 5; i++) {
            admit("prod", key, review("shop", "api"));
        }
        assertThat(clusterReads).hasValue(1);

        clock.advance(AdmissionService.CLUSTER_CACHE_TTL.minusMillis(1));
        admit("prod", key, review("shop", "api"));
        assertThat(clusterReads).hasValue(1);
        clock.advance(Duration.ofMillis(1));
        admit("prod", key, review("shop", "api"));
        assertThat(clusterReads).hasValue(2);
    }

    // --------------------------------------------------------------------------------- malformed reviews: 400

    static Stream<Arguments> malformedReviews() {
        ObjectNode good = review("shop", "api");
        return Stream.of(
                Arguments.of("empty body", "", null, "empty"),
                Arguments.of("blank body", "  \n", null, "empty"),
                Arguments.of("not JSON", "not json", null, "not valid JSON"),
                Arguments.of("a JSON array", "[1,2]", null, "AdmissionReview object"),
                Arguments.of("JSON null", "null", null, "AdmissionReview object"),
                Arguments.of("larger than any pod", good.toString() + " ".repeat(AdmissionService.MAX_REVIEW_CHARS), null,
                        "larger than"),
                Arguments.of("nested deeper than any pod", "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}", null,
                        "not valid JSON"),
                Arguments.of("v1beta1", good.deepCopy().put("apiVersion", "admission.k8s.io/v1beta1").toString(), UID,
                        "admissionReviewVersions"),
                Arguments.of("another kind", good.deepCopy().put("kind", "ConversionReview").toString(), UID,
                        "admissionReviewVersions"),
                Arguments.of("no request", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", null,
                        "request is required"),
                Arguments.of("request not an object", good.deepCopy().put("request", "x").toString(), null,
                        "request is required"),
                Arguments.of("no uid", changed(good, r -> r.remove("uid")).toString(), null, "request.uid"),
                Arguments.of("empty uid", changed(good, r -> r.put("uid", "")).toString(), null, "request.uid"),
                Arguments.of("numeric uid", changed(good, r -> r.put("uid", 7)).toString(), null, "request.uid"),
                Arguments.of("a Deployment", changed(good, r -> ((ObjectNode) r.get("kind")).put("group", "apps")
                        .put("kind", "Deployment")).toString(), UID, "only Pods"),
                Arguments.of("a Pod of another group", changed(good, r -> ((ObjectNode) r.get("kind")).put("group", "example.com"))
                        .toString(), UID, "only Pods"),
                Arguments.of("no kind", changed(good, r -> r.remove("kind")).toString(), UID, "only Pods"),
                Arguments.of("a subresource", changed(good, r -> r.put("subResource", "status")).toString(), UID, "only Pods"),
                Arguments.of("UPDATE", changed(good, r -> r.put("operation", "UPDATE")).toString(), UID, "only CREATE"),
                Arguments.of("no operation", changed(good, r -> r.remove("operation")).toString(), UID, "only CREATE"),
                Arguments.of("no namespace", review(null, "api").toString(), UID, "request.namespace is required"),
                Arguments.of("empty namespace", review("", "api").toString(), UID, "request.namespace is required"),
                Arguments.of("numeric namespace", changed(good, r -> r.put("namespace", 5)).toString(), UID,
                        "request.namespace must be a string"),
                Arguments.of("invalid namespace", review("Not_A_Namespace", "api").toString(), UID, "namespace"),
                Arguments.of("invalid service account", review("shop", "Bad Name").toString(), UID, "service account"),
                Arguments.of("no pod", changed(good, r -> r.remove("object")).toString(), UID, "request.object"),
                Arguments.of("pod not an object", changed(good, r -> r.put("object", "pod")).toString(), UID,
                        "request.object must be the Pod"),
                Arguments.of("an associated pod without containers", changed(good, r -> r.set("object", json("{'spec':{'serviceAccountName':'api'}}")))
                        .toString(), UID, "request.object.spec.containers"),
                Arguments.of("an associated pod whose containers are not an array",
                        changed(good, r -> r.set("object", json("{'spec':{'serviceAccountName':'api','containers':{}}}"))).toString(), UID,
                        "must be an array"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedReviews")
    void aMalformedReviewIsInvalidRequest_sayingWhat_withTheUidWhenItCouldBeRead(String name, String body, String uid,
                                                                              String message) {
        assertThatThrownBy(() -> admission.admit("prod", key, () -> body))
                .isInstanceOfSatisfying(AdmissionService.MalformedReviewException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                    assertThat(e.uid()).isEqualTo(uid);
                })
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(key));
    }

    @Test
    void noBodyAtAllIsInvalidRequest() {
        assertThatThrownBy(() -> admission.admit("prod", key, () -> null))
                .isInstanceOfSatisfying(AdmissionService.MalformedReviewException.class, e -> assertThat(e.uid()).isNull())
                .hasMessageContaining("empty");
    }

    @Test
    void aJsonNullNamespaceFallsBackToThePods() {
        ObjectNode review = changed(review(null, "api"), r -> {
            r.putNull("namespace");
            ((ObjectNode) r.path("object").path("metadata")).put("namespace", "shop");
        });
        assertPatchedWithLifetime(admit("prod", key, review), PodTokenLifetime.DEFAULT_SECONDS);
        assertThatThrownBy(() -> admit("prod", key, changed(review(null, "api"), r -> r.remove("object"))))
                .isInstanceOf(AdmissionService.MalformedReviewException.class)
                .hasMessageContaining("request.namespace is required");
    }

    @Test
    void aReviewOfExactlyTheLargestSizeIsRead() {
        String body = review("shop", "api").toString();
        String padded = body + " ".repeat(AdmissionService.MAX_REVIEW_CHARS - body.length());

        assertThat(admission.admit("prod", key, () -> padded).patch()).isNotNull();
    }

    @Test
    void anUnassociatedPodIsNotReadBeyondItsServiceAccount() {
        ObjectNode noContainers = changed(review("shop", "worker"), r -> ((ObjectNode) r.get("object")).set("spec",
                json("{'serviceAccountName':'worker'}")));

        assertThat(admit("prod", key, noContainers).patch()).isNull();
    }

    // ------------------------------------------------------------------------ failures of the data store

    @Test
    void aStoreFailureWhileCheckingAKeyNeverSeen_isRefusedAsUnavailable_notAnswered() {
        findClusterFailure = new IllegalStateException("DynamoDB is unreachable");

        assertThatThrownBy(() -> admit("prod", key, review("shop", "api")))
                .isInstanceOfSatisfying(AdmissionService.RefusedException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
                    assertThat(e.reason()).isEqualTo(AdmissionReason.STORE_FAILURE);
                });
    }

    @Test
    void aStoreFailureWhileReadingTheBindingLetsThePodInUnpatched_reportingTheFailure() {
        findBindingFailure = new ServiceException(ErrorCode.THROTTLING, "slow down");

        AdmissionService.Outcome outcome = admit("prod", key, review("shop", "api"));

        assertThat(outcome.uid()).isEqualTo(UID);
        assertThat(outcome.patch()).isNull();
        assertThat(outcome.failure()).isEqualTo(ErrorCode.THROTTLING.wireName() + ": slow down");
        assertThat(outcome.namespace()).isEqualTo("shop");
        assertThat(outcome.serviceAccount()).isEqualTo("api");
    }
}
