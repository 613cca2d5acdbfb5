package dev.podidentity.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.JWKSet;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.PodDeletedException;
import dev.podidentity.domain.PodDeletion;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.service.admission.AdmissionReason;
import dev.podidentity.service.admission.AdmissionService;
import dev.podidentity.service.admission.PodDeletions;
import dev.podidentity.testing.PodTokens;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pod deletions over the in-memory store on a movable clock: AdmissionService's DELETE reviews write tombstones
 * (PodDeletions), CredentialService refuses the deleted pod's tokens from the moment it is gone, DiagnosisService
 * reports it.
 */
class PodDeletionsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String UID = "0b9c1d2e-0000-4000-8000-000000000001";

    ServiceFixture f;
    String key;
    AdmissionService admissions;
    CredentialService credentials;

    @BeforeEach
    void setUp() {
        f = new ServiceFixture();
        JWKSet keys = new JWKSet(ServiceFixture.SIGNING_KEY.toPublicJWK());
        key = f.clusters.register("prod", ServiceFixture.ISSUER, keys.toString(), Map.of(), 1800, false).webhookKey();
        new AssociationService(f.store, (role, tagSession, caller) -> { }, ServiceFixture.IDENTITY, f.pageTokens, f.clock)
                .create(new CreateAssociationRequest("prod", "payments", "api", AssociationServiceTest.ROLE,
                        null, null, null, null, null), null);
        admissions = new AdmissionService(f.store, f.clock);
        credentials = new CredentialService(f.store, new CredentialServiceTest.RecordingIssuer(), f.clock);
    }

    static ObjectNode pod(String uid, boolean ourVolume) {
        ObjectNode pod = JSON.createObjectNode();
        pod.putObject("metadata").put("name", "api-7d9f").put("namespace", "payments").put("uid", uid);
        ObjectNode spec = pod.putObject("spec").put("serviceAccountName", "api");
        spec.putArray("containers").addObject().put("name", "app");
        ObjectNode token = spec.putArray("volumes").addObject().put("name", "eks-pod-identity-token")
                .putObject("projected").putArray("sources").addObject().putObject("serviceAccountToken");
        token.put("audience", ourVolume ? "pods.eks.amazonaws.com" : "vault").put("path", "eks-pod-identity-token");
        return pod;
    }

    static ObjectNode review(ObjectNode pod, Long grace) {
        ObjectNode review = JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request").put("uid", "r-1").put("namespace", "payments")
                .put("operation", "DELETE").put("dryRun", false);
        request.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
        request.putNull("object");
        request.set("oldObject", pod);
        ObjectNode options = request.putObject("options");
        if (grace != null) {
            options.put("gracePeriodSeconds", grace);
        }
        return review;
    }

    AdmissionService.Outcome admit(ObjectNode review) {
        return admissions.admit("prod", key, review::toString);
    }

    /** The fixture's token shape: pod api-7d9f, uid {@code p-uid}. */
    String token(String podUid) {
        return PodTokens.rs256(PodTokens.claims(ServiceFixture.ISSUER, "payments", "api", f.clock.instant().minusSeconds(10),
                Duration.ofMinutes(30)).claim("kubernetes.io", Map.of("namespace", "payments",
                "serviceaccount", Map.of("name", "api", "uid", "sa-uid"),
                "pod", Map.of("name", "api-7d9f", "uid", podUid))).build(), ServiceFixture.SIGNING_KEY);
    }

    @Test
    void deleteNow_writesATombstone_keptForTheTokenLifetimePlusSkew_andTheBrokerRefusesThePod() {
        assertThat(credentials.assume("prod", token(UID)).credentials()).isNotNull();
        AdmissionService.Outcome outcome = admit(review(pod(UID, true), 0L));
        assertThat(outcome.deletion()).isEqualTo(PodDeletions.Result.RECORDED);
        assertThat(outcome.patch()).isNull();
        assertThat(outcome.failure()).isNull();
        assertThat(outcome.uid()).isEqualTo("r-1");
        PodDeletion tombstone = f.store.findPodDeletion("prod", UID).orElseThrow();
        assertThat(tombstone).isEqualTo(new PodDeletion("prod", UID, "payments", "api-7d9f", ServiceFixture.START,
                ServiceFixture.START.plusSeconds(1800 + 60)));

        assertThatThrownBy(() -> credentials.assume("prod", token(UID))).isInstanceOfSatisfying(PodDeletedException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TOKEN);
            assertThat(e.getMessage()).isEqualTo("The token belongs to pod payments/api-7d9f (uid " + UID + ") of cluster"
                    + " prod, which was deleted at 2026-11-29T12:00:00Z: a deleted pod's tokens are no longer valid");
        });
        assertThat(credentials.assume("prod", token("another-uid")).credentials()).as("same name, new UID").isNotNull();
    }

    @Test
    void gracefulDelete_refusesFromTheEndOfTheGracePeriod_andALaterFinalDeleteBringsItForward() {
        ObjectNode pod = pod(UID, true);
        pod.withObjectProperty("spec").put("terminationGracePeriodSeconds", 120);
        admit(review(pod, null));
        assertThat(f.store.findPodDeletion("prod", UID).orElseThrow().deletedAt()).isEqualTo(ServiceFixture.START.plusSeconds(120));
        f.clock.advance(Duration.ofSeconds(119));
        assertThat(credentials.assume("prod", token(UID)).credentials()).as("still terminating").isNotNull();
        f.clock.advance(Duration.ofSeconds(1));
        assertThatThrownBy(() -> credentials.assume("prod", token(UID))).isInstanceOf(PodDeletedException.class);

        String other = "0b9c1d2e-0000-4000-8000-000000000002";
        f.clock.set(ServiceFixture.START);
        admit(review(pod(other, true), 600L));
        f.clock.advance(Duration.ofSeconds(5));
        ObjectNode terminating = pod(other, true);
        terminating.withObjectProperty("metadata").put("deletionTimestamp", ServiceFixture.START.plusSeconds(600).toString());
        admit(review(terminating, 0L)); // the kubelet's final delete
        assertThat(f.store.findPodDeletion("prod", other).orElseThrow().deletedAt()).isEqualTo(ServiceFixture.START.plusSeconds(5));
        admit(review(terminating, 30L)); // a later, longer one never postpones it
        assertThat(f.store.findPodDeletion("prod", other).orElseThrow().deletedAt()).isEqualTo(ServiceFixture.START.plusSeconds(5));
    }

    @Test
    void podsWithoutOurToken_dryRuns_andWrongKeys_writeNothing() {
        assertThat(admit(review(pod(UID, false), 0L)).deletion()).isEqualTo(PodDeletions.Result.IGNORED);
        ObjectNode dry = review(pod(UID, true), 0L);
        dry.withObjectProperty("request").put("dryRun", true);
        assertThat(admit(dry).deletion()).isEqualTo(PodDeletions.Result.DRY_RUN);
        assertThat(f.store.findPodDeletion("prod", UID)).isEmpty();
        assertThatThrownBy(() -> admissions.admit("prod", "wrong-key", review(pod(UID, true), 0L)::toString))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_DENIED));
        assertThat(f.store.findPodDeletion("prod", UID)).isEmpty();
    }

    @Test
    void malformedDeleteReviews_are400s_naming_theField() {
        ObjectNode noOld = review(pod(UID, true), 0L);
        noOld.withObjectProperty("request").putNull("oldObject");
        assertMalformed(noOld, "request.oldObject must be the Pod being deleted");
        noOld.withObjectProperty("request").remove("oldObject");
        assertMalformed(noOld, "request.oldObject must be the Pod being deleted");
        ObjectNode noUid = review(pod(UID, true), 0L);
        noUid.withObjectProperty("request").withObjectProperty("oldObject").withObjectProperty("metadata").remove("uid");
        assertMalformed(noUid, "request.oldObject.metadata.uid");
        ObjectNode badUid = review(pod("a b", true), 0L);
        assertMalformed(badUid, "request.oldObject.metadata.uid");
        ObjectNode badNamespace = review(pod(UID, true), 0L);
        badNamespace.withObjectProperty("request").put("namespace", "Payments");
        assertMalformed(badNamespace, "request.namespace");
        ObjectNode fractionalGrace = review(pod(UID, true), 0L);
        fractionalGrace.withObjectProperty("request").withObjectProperty("options").put("gracePeriodSeconds", 1.5);
        assertMalformed(fractionalGrace, "request.options.gracePeriodSeconds must be an integer");
        assertThat(f.store.findPodDeletion("prod", UID)).isEmpty();
    }

    void assertMalformed(ObjectNode review, String message) {
        assertThatThrownBy(() -> admit(review)).isInstanceOfSatisfying(AdmissionService.MalformedReviewException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(e.uid()).isEqualTo("r-1");
            assertThat(e.getMessage()).contains(message);
        });
    }

    Instant deletedAt(ObjectNode review) {
        admit(review);
        String podUid = review.path("request").path("oldObject").path("metadata").path("uid").textValue();
        return f.store.findPodDeletion("prod", podUid).orElseThrow().deletedAt();
    }

    @Test
    void theGracePeriod_isTheDeletesOwn_elseThePods_elseKubernetesDefault_andNeverBeforeNow() {
        assertThat(deletedAt(review(pod(UID, true), null))).as("Kubernetes' default of 30 s")
                .isEqualTo(ServiceFixture.START.plusSeconds(30));
        ObjectNode nullGrace = review(pod("0b9c1d2e-0000-4000-8000-000000000005", true), null);
        nullGrace.withObjectProperty("request").withObjectProperty("options").putNull("gracePeriodSeconds");
        nullGrace.withObjectProperty("request").withObjectProperty("oldObject").withObjectProperty("spec")
                .put("terminationGracePeriodSeconds", 45);
        assertThat(deletedAt(nullGrace)).as("a null grace period is the pod's own").isEqualTo(ServiceFixture.START.plusSeconds(45));
    }

    @Test
    void aNegativeGracePeriod_isNow() {
        assertThat(deletedAt(review(pod(UID, true), -5L))).isEqualTo(ServiceFixture.START);
    }

    @Test
    void aTerminatingPodIsGoneAtItsDeletionTimestamp_orNowWhenThatHasPassed_butALaterOneNeverPostponesIt() {
        ObjectNode terminating = pod(UID, true);
        terminating.withObjectProperty("metadata").put("deletionTimestamp", ServiceFixture.START.minusSeconds(20).toString());
        assertThat(deletedAt(review(terminating, 600L))).as("already past").isEqualTo(ServiceFixture.START);

        String other = "0b9c1d2e-0000-4000-8000-000000000003";
        ObjectNode later = pod(other, true);
        later.withObjectProperty("metadata").put("deletionTimestamp", ServiceFixture.START.plusSeconds(900).toString());
        admit(review(later, 60L));
        assertThat(f.store.findPodDeletion("prod", other).orElseThrow().deletedAt()).isEqualTo(ServiceFixture.START.plusSeconds(60));

        String third = "0b9c1d2e-0000-4000-8000-000000000004";
        ObjectNode nullTimestamp = pod(third, true);
        nullTimestamp.withObjectProperty("metadata").putNull("deletionTimestamp");
        admit(review(nullTimestamp, 10L));
        assertThat(f.store.findPodDeletion("prod", third).orElseThrow().deletedAt()).isEqualTo(ServiceFixture.START.plusSeconds(10));
    }

    @Test
    void onlyOurProjectedVolume_byNameAndAudience_makesADeleteRecorded() {
        ObjectNode renamed = pod(UID, true);
        ((ObjectNode) renamed.withObjectProperty("spec").withArray("volumes").get(0)).put("name", "my-token");
        assertThat(admit(review(renamed, 0L)).deletion()).isEqualTo(PodDeletions.Result.IGNORED);
        assertThat(f.store.findPodDeletion("prod", UID)).isEmpty();
    }

    @Test
    void everyDeleteOutcome_hasItsReason() {
        AdmissionService.Outcome ignored = admit(review(pod(UID, false), 0L));
        assertThat(ignored.reason()).isEqualTo(AdmissionReason.DELETE_IGNORED);
        assertThat(ignored.namespace()).isNull();
        ObjectNode dry = review(pod(UID, true), 0L);
        dry.withObjectProperty("request").put("dryRun", true);
        AdmissionService.Outcome dryRun = admit(dry);
        assertThat(dryRun.reason()).isEqualTo(AdmissionReason.DELETE_IGNORED);
        assertThat(dryRun.namespace()).isEqualTo("payments");
        AdmissionService.Outcome recorded = admit(review(pod(UID, true), 0L));
        assertThat(recorded.reason()).isEqualTo(AdmissionReason.POD_DELETED);
        assertThat(recorded.namespace()).isEqualTo("payments");
        assertThat(recorded.warnings()).isEmpty();
    }

    @Test
    void theNamespace_comesFromThePodWhenTheRequestHasNone() {
        ObjectNode review = review(pod(UID, true), 0L);
        review.withObjectProperty("request").remove("namespace");
        assertThat(admit(review).namespace()).isEqualTo("payments");
        assertThat(f.store.findPodDeletion("prod", UID).orElseThrow().namespace()).isEqualTo("payments");
    }

    @Test
    void moreMalformedDeleteReviews_are400s_andWriteNothing() {
        ObjectNode oldNotAnObject = review(pod(UID, true), 0L);
        oldNotAnObject.withObjectProperty("request").put("oldObject", "api-7d9f");
        assertMalformed(oldNotAnObject, "request.oldObject must be the Pod being deleted");
        ObjectNode noName = review(pod(UID, true), 0L);
        noName.withObjectProperty("request").withObjectProperty("oldObject").withObjectProperty("metadata").remove("name");
        assertMalformed(noName, "request.oldObject.metadata.name");
        ObjectNode badName = review(pod(UID, true), 0L);
        badName.withObjectProperty("request").withObjectProperty("oldObject").withObjectProperty("metadata").put("name", "Api_1");
        assertMalformed(badName, "request.oldObject.metadata.name");
        ObjectNode longName = review(pod(UID, true), 0L);
        longName.withObjectProperty("request").withObjectProperty("oldObject").withObjectProperty("metadata")
                .put("name", "a".repeat(254));
        assertMalformed(longName, "request.oldObject.metadata.name");
        ObjectNode stringGrace = review(pod(UID, true), 0L);
        stringGrace.withObjectProperty("request").withObjectProperty("options").put("gracePeriodSeconds", "30");
        assertMalformed(stringGrace, "request.options.gracePeriodSeconds must be an integer");
        ObjectNode podGrace = review(pod(UID, true), null);
        podGrace.withObjectProperty("request").withObjectProperty("oldObject").withObjectProperty("spec")
                .put("terminationGracePeriodSeconds", 1e30);
        assertMalformed(podGrace, "request.oldObject.spec.terminationGracePeriodSeconds must be an integer");
        ObjectNode badTimestamp = review(pod(UID, true), 0L);
        badTimestamp.withObjectProperty("request").withObjectProperty("oldObject").withObjectProperty("metadata")
                .put("deletionTimestamp", "yesterday");
        assertMalformed(badTimestamp, "deletionTimestamp must be an RFC 3339 time, not yesterday");
        assertThat(f.store.findPodDeletion("prod", UID)).isEmpty();
    }

    @Test
    void aDeletionTimestampWithinTheGracePeriod_isWhenThePodIsGone() {
        ObjectNode terminating = pod(UID, true);
        terminating.withObjectProperty("metadata").put("deletionTimestamp", ServiceFixture.START.plusSeconds(100).toString());
        assertThat(deletedAt(review(terminating, 600L))).isEqualTo(ServiceFixture.START.plusSeconds(100));
    }

    @Test
    void aPodWhoseOwnGracePeriodIsNull_getsKubernetesDefault_andAnIntegerTooLargeIsMalformed() {
        ObjectNode pod = pod(UID, true);
        pod.withObjectProperty("spec").putNull("terminationGracePeriodSeconds");
        assertThat(deletedAt(review(pod, null))).isEqualTo(ServiceFixture.START.plusSeconds(30));
        ObjectNode huge = review(pod("0b9c1d2e-0000-4000-8000-000000000006", true), 0L);
        huge.withObjectProperty("request").withObjectProperty("options")
                .put("gracePeriodSeconds", java.math.BigInteger.TWO.pow(70));
        assertMalformed(huge, "request.options.gracePeriodSeconds must be an integer");
    }

    @Test
    void whenTheTombstoneCannotBeWritten_theDeleteIsAllowed_withAWarning_andReportedAsOurFailure() {
        dev.podidentity.domain.PodIdentityStore failingWrites = (dev.podidentity.domain.PodIdentityStore)
                java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {dev.podidentity.domain.PodIdentityStore.class}, (proxy, method, args) -> {
                            if (method.getName().equals("recordPodDeletion")) {
                                throw new ServiceException(ErrorCode.SERVICE_UNAVAILABLE, "The data store is unavailable; retry");
                            }
                            try {
                                return method.invoke(f.store, args);
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
        AdmissionService.Outcome o = new AdmissionService(failingWrites, f.clock).admit("prod", key, review(pod(UID, true), 0L)::toString);
        assertThat(o.deletion()).isEqualTo(PodDeletions.Result.FAILED);
        assertThat(o.reason()).isEqualTo(AdmissionReason.STORE_FAILURE);
        assertThat(o.warnings()).containsExactly(PodDeletions.DELETION_WARNING);
        assertThat(o.failure()).isEqualTo("ServiceUnavailableException: The data store is unavailable; retry");
        assertThat(o.uid()).isEqualTo("r-1");
        assertThat(o.namespace()).isEqualTo("payments");
        assertThat(f.store.findPodDeletion("prod", UID)).isEmpty();
    }

    @Test
    void aPodNameOf253Characters_isAccepted() {
        ObjectNode review = review(pod(UID, true), 0L);
        review.withObjectProperty("request").withObjectProperty("oldObject").withObjectProperty("metadata")
                .put("name", "a".repeat(253));
        assertThat(admit(review).deletion()).isEqualTo(PodDeletions.Result.RECORDED);
    }

    @Test
    void diagnosis_reportsTheDeletedPod() {
        DiagnosisService diagnosis = new DiagnosisService(f.store, (role, tags, target, externalId) -> java.util.List.of(), f.clock);
        DiagnosisService.Request request = new DiagnosisService.Request("prod", "payments", "api", token(UID), null, null);
        assertThat(step(diagnosis.diagnose(request)).status()).isEqualTo(dev.podidentity.domain.CheckStatus.PASS);
        admit(review(pod(UID, true), 0L));
        var failed = diagnosis.diagnose(request).firstFailure().orElseThrow();
        assertThat(failed.check()).isEqualTo(dev.podidentity.domain.DiagnosticCheck.POD_NOT_DELETED);
        assertThat(failed.detail()).contains("payments/api-7d9f", UID, "was deleted at " + Instant.parse("2026-11-29T12:00:00Z"));
    }

    static dev.podidentity.domain.DiagnosticStep step(DiagnosisService.Diagnosis d) {
        return d.steps().stream().filter(s -> s.check() == dev.podidentity.domain.DiagnosticCheck.POD_NOT_DELETED)
                .findFirst().orElseThrow();
    }
}
