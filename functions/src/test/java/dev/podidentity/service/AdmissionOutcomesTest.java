package dev.podidentity.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.service.admission.AdmissionReason;
import dev.podidentity.service.admission.AdmissionService;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * AdmitPod's CREATE path over the in-memory store: every outcome's reason, the miss cache (wrong keys and unknown
 * clusters cost one store read per cluster per interval), store failures decided from the cached key hash, conflicts,
 * and the cluster's IP family and region in the patch. The store is wrapped to count cluster reads and to fail on
 * demand.
 */
class AdmissionOutcomesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    final ServiceFixture f = new ServiceFixture();
    final AtomicInteger clusterReads = new AtomicInteger();
    final AtomicBoolean failing = new AtomicBoolean();
    final AtomicBoolean timingOut = new AtomicBoolean();
    final AtomicBoolean bodyRead = new AtomicBoolean();
    final AtomicBoolean clusterReadsFail = new AtomicBoolean();
    final AtomicBoolean crashing = new AtomicBoolean();
    AdmissionService service;
    String key;

    @BeforeEach
    void setUp() {
        PodIdentityStore counting = (PodIdentityStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {PodIdentityStore.class}, (proxy, method, args) -> {
                    if (failing.get()) {
                        throw new ServiceException(ErrorCode.SERVICE_UNAVAILABLE, "The data store is unavailable; retry");
                    }
                    if (timingOut.get()) {
                        throw new ServiceException(ErrorCode.SERVICE_UNAVAILABLE, "The data store did not answer in time",
                                new java.net.SocketTimeoutException("read timed out"));
                    }
                    if (crashing.get()) {
                        throw new IllegalStateException("a bug of ours");
                    }
                    if (method.getName().equals("findCluster")) {
                        if (clusterReadsFail.get()) {
                            throw new ServiceException(ErrorCode.SERVICE_UNAVAILABLE, "The data store is unavailable; retry");
                        }
                        clusterReads.incrementAndGet();
                    }
                    try {
                        return method.invoke(f.store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        service = new AdmissionService(counting, f.clock, "us-east-1");
        key = register("prod", null, null);
        new AssociationService(f.store, (role, tagSession, caller) -> { }, ServiceFixture.IDENTITY, f.pageTokens, f.clock)
                .create(new CreateAssociationRequest("prod", "kube-system", "csi", AssociationServiceTest.ROLE,
                        null, null, null, null, null), null);
    }

    String register(String name, String ipFamily, String region) {
        return f.clusters.register(name, ServiceFixture.ISSUER, new com.nimbusds.jose.jwk.JWKSet(
                ServiceFixture.SIGNING_KEY.toPublicJWK()).toString(), null, null, true, ipFamily, region).webhookKey();
    }

    AdmissionService.Outcome admit(String cluster, String webhookKey, String pod) {
        return service.admit(cluster, webhookKey, () -> {
            bodyRead.set(true);
            return review("kube-system", pod);
        });
    }

    static String review(String namespace, String pod) {
        return ("{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':'u1',"
                + "'kind':{'group':'','version':'v1','kind':'Pod'},'operation':'CREATE','namespace':'" + namespace
                + "','object':" + pod + "}}").replace('\'', '"');
    }

    /** prod's key is cached, and the cache interval has passed since: the next request reads the cluster again. */
    void cachedThenStale() {
        admit("prod", key, CSI_POD);
        f.clock.advance(AdmissionService.CLUSTER_CACHE_TTL.plusSeconds(1));
    }

    static final String CSI_POD = "{'spec':{'serviceAccountName':'csi','containers':[{'name':'a'}]}}";

    static AdmissionReason refusal(Runnable call) {
        try {
            call.run();
        } catch (ServiceException e) {
            return AdmissionService.reasonOf(e);
        }
        throw new AssertionError("not refused");
    }

    @Test
    void kubeSystemPod_isPatched_withTheStacksRegion_andCounted() {
        AdmissionService.Outcome o = admit("prod", key, CSI_POD);
        assertThat(o.reason()).isEqualTo(AdmissionReason.PATCHED);
        assertThat(o.warnings()).isEmpty();
        JsonNode env = o.patch().get(0).path("value");
        assertThat(env.toString()).contains("http://169.254.170.23/v1/credentials")
                .contains("{\"name\":\"AWS_REGION\",\"value\":\"us-east-1\"}")
                .contains("{\"name\":\"AWS_DEFAULT_REGION\",\"value\":\"us-east-1\"}");
    }

    @Test
    void ipv6Cluster_getsTheIpv6Uri_andItsOwnRegion() {
        key = register("prod", "ipv6", "eu-central-1");
        String env = admit("prod", key, CSI_POD).patch().get(0).path("value").toString();
        assertThat(env).contains("http://[fd00:ec2::23]/v1/credentials").contains("eu-central-1").doesNotContain("us-east-1");
    }

    @Test
    void otherOutcomes_haveTheirReasons() {
        assertThat(admit("prod", key, "{'spec':{'serviceAccountName':'web','containers':[{'name':'a'}]}}".replace('\'', '"')).reason())
                .isEqualTo(AdmissionReason.NOT_ASSOCIATED);
        AdmissionService.Outcome patched = admit("prod", key, CSI_POD.replace('\'', '"'));
        assertThat(patched.reason()).isEqualTo(AdmissionReason.PATCHED);
        assertThat(refusal(() -> service.admit("prod", key, () -> "{}"))).isEqualTo(AdmissionReason.MALFORMED);
        assertThat(refusal(() -> admit("prod", "wrong", CSI_POD))).isEqualTo(AdmissionReason.REFUSED_KEY);
        assertThat(refusal(() -> admit("nope", key, CSI_POD))).isEqualTo(AdmissionReason.UNKNOWN_CLUSTER);
        assertThat(refusal(() -> admit("bad name!", key, CSI_POD))).isEqualTo(AdmissionReason.UNKNOWN_CLUSTER);
    }

    @Test
    void conflict_sendsNoPatch_andAWarningNamingIt() {
        AdmissionService.Outcome o = admit("prod", key, ("{'spec':{'serviceAccountName':'csi','containers':[{'name':'a',"
                + "'volumeMounts':[{'name':'own','mountPath':'/var/run/secrets/pods.eks.amazonaws.com/serviceaccount'}]}],"
                + "'volumes':[{'name':'own','emptyDir':{}}]}}").replace('\'', '"'));
        assertThat(o.reason()).isEqualTo(AdmissionReason.CONFLICT);
        assertThat(o.patch()).isNull();
        assertThat(o.warnings()).containsExactly("EKS Pod Identity: no AWS credentials injected: container a mounts own"
                + " at /var/run/secrets/pods.eks.amazonaws.com/serviceaccount");
    }

    @Test
    void wrongKeys_costOneClusterReadPerInterval_andARotatedKeyWorks() {
        admit("prod", key, CSI_POD);
        String rotated = register("prod", null, null);
        assertThat(admit("prod", rotated, CSI_POD).reason()).as("the first miss after a read re-reads at once")
                .isEqualTo(AdmissionReason.PATCHED);
        bodyRead.set(false);
        int before = clusterReads.get();
        for (int i = 0; i < 100; i++) {
            assertThat(refusal(() -> admit("prod", "wrong", CSI_POD))).isEqualTo(AdmissionReason.REFUSED_KEY);
        }
        assertThat(bodyRead).as("a refused request's body is never read").isFalse();
        assertThat(clusterReads.get()).as("no read: the last was after a miss, within the interval").isEqualTo(before);
        String again = register("prod", null, null);
        assertThat(refusal(() -> admit("prod", again, CSI_POD))).as("within the interval after a miss")
                .isEqualTo(AdmissionReason.REFUSED_KEY);
        f.clock.advance(AdmissionService.MISS_REREAD_INTERVAL);
        assertThat(admit("prod", again, CSI_POD).reason()).isEqualTo(AdmissionReason.PATCHED);
        assertThat(clusterReads.get()).isEqualTo(before + 1);
        for (int i = 0; i < 100; i++) {
            assertThat(refusal(() -> admit("prod", rotated, CSI_POD))).as("the old key").isEqualTo(AdmissionReason.REFUSED_KEY);
        }
        assertThat(clusterReads.get()).isEqualTo(before + 1);
    }

    @Test
    void unknownClusters_costOneReadPerInterval_andARegistrationIsSeenAfterIt() {
        for (int i = 0; i < 50; i++) {
            assertThat(refusal(() -> admit("later", "k", CSI_POD))).isEqualTo(AdmissionReason.UNKNOWN_CLUSTER);
        }
        assertThat(clusterReads.get()).isEqualTo(1);
        String later = register("later", null, null);
        assertThat(refusal(() -> admit("later", later, CSI_POD))).as("within the interval").isEqualTo(AdmissionReason.UNKNOWN_CLUSTER);
        f.clock.advance(AdmissionService.MISS_REREAD_INTERVAL);
        assertThat(admit("later", later, CSI_POD).reason()).isEqualTo(AdmissionReason.NOT_ASSOCIATED);
        assertThat(clusterReads.get()).isEqualTo(2);
    }

    @Test
    void storeFailure_withTheCachedKey_admitsWithoutPatch_andAWarning() {
        cachedThenStale();
        failing.set(true);
        AdmissionService.Outcome o = admit("prod", key, CSI_POD);
        assertThat(o.reason()).isEqualTo(AdmissionReason.STORE_FAILURE);
        assertThat(o.patch()).isNull();
        assertThat(o.warnings()).containsExactly(AdmissionService.DEGRADED_WARNING);
        failing.set(false);
        timingOut.set(true);
        assertThat(admit("prod", key, CSI_POD).reason()).isEqualTo(AdmissionReason.STORE_TIMEOUT);
    }

    @Test
    void storeFailure_withoutAuthentication_refuses503_beforeReadingTheBody() {
        failing.set(true);
        assertThatThrownBy(() -> admit("prod", key, CSI_POD)).isInstanceOf(AdmissionService.RefusedException.class)
                .satisfies(e -> assertThat(((ServiceException) e).code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE))
                .satisfies(e -> assertThat(AdmissionService.reasonOf((ServiceException) e)).isEqualTo(AdmissionReason.STORE_FAILURE));
        failing.set(false);
        admit("prod", key, CSI_POD);
        bodyRead.set(false);
        f.clock.advance(AdmissionService.CLUSTER_CACHE_TTL.plusSeconds(1));
        timingOut.set(true);
        assertThatThrownBy(() -> admit("prod", "wrong", CSI_POD)).isInstanceOf(AdmissionService.RefusedException.class)
                .satisfies(e -> assertThat(AdmissionService.reasonOf((ServiceException) e)).isEqualTo(AdmissionReason.STORE_TIMEOUT));
        assertThat(bodyRead).isFalse();
    }

    @Test
    void onlyConflictsAndStoreFailures_areDegraded_theOutcomesThatStartAnAssociatedPodWithoutCredentials() {
        assertThat(java.util.Arrays.stream(AdmissionReason.values()).filter(AdmissionReason::degraded))
                .containsExactlyInAnyOrder(AdmissionReason.CONFLICT, AdmissionReason.STORE_FAILURE, AdmissionReason.STORE_TIMEOUT);
    }

    @Test
    void aRefusalThatIsNeitherOursNorMalformed_hasNoReason() {
        assertThat(AdmissionService.reasonOf(new ServiceException(ErrorCode.ACCESS_DENIED, "x"))).isNull();
        assertThat(AdmissionService.reasonOf(new ServiceException(ErrorCode.INVALID_REQUEST, "x"))).isNull();
    }

    @Test
    void aServerSideDryRun_isAnsweredAsTheRealCreate_plusTheDryRunWarning() {
        String review = review("kube-system", CSI_POD.replace('\'', '"'));
        AdmissionService.Outcome dry = service.admit("prod", key, () -> review.replace("\"operation\":\"CREATE\"",
                "\"operation\":\"CREATE\",\"dryRun\":true"));
        assertThat(dry.reason()).isEqualTo(AdmissionReason.PATCHED);
        assertThat(dry.patch()).isEqualTo(admit("prod", key, CSI_POD).patch()).isNotNull();
        assertThat(dry.uid()).isEqualTo("u1");
        assertThat(dry.namespace()).isEqualTo("kube-system");
        assertThat(dry.serviceAccount()).isEqualTo("csi");
        assertThat(dry.warnings()).containsExactly(AdmissionService.DRY_RUN_WARNING);
        assertThat(admit("prod", key, CSI_POD).warnings()).isEmpty();
    }

    @Test
    void whenOnlyTheClusterReadFails_theCachedKeyStillGetsThePatch_andAWrongKeyIsRefused503() {
        cachedThenStale();
        clusterReadsFail.set(true);
        AdmissionService.Outcome o = admit("prod", key, CSI_POD);
        assertThat(o.reason()).isEqualTo(AdmissionReason.PATCHED);
        assertThat(o.patch()).isNotNull();
        bodyRead.set(false);
        assertThatThrownBy(() -> admit("prod", "wrong", CSI_POD)).isInstanceOf(AdmissionService.RefusedException.class)
                .satisfies(e -> assertThat(((ServiceException) e).code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE));
        assertThat(bodyRead).isFalse();
    }

    @Test
    void aFailureThatIsNotTheStoresOwnError_isNamedByItsTypeOnly() {
        admit("prod", key, CSI_POD);
        crashing.set(true);
        AdmissionService.Outcome o = admit("prod", key, CSI_POD);
        assertThat(o.reason()).isEqualTo(AdmissionReason.STORE_FAILURE);
        assertThat(o.failure()).isEqualTo("IllegalStateException");
        crashing.set(false);
        failing.set(true);
        assertThat(admit("prod", key, CSI_POD).failure()).isEqualTo("ServiceUnavailableException: The data store is unavailable; retry");
    }

    @Test
    void afterTheCacheIntervalAReRead_isNotAMiss_soAKeyRotatedSinceIsAcceptedAtOnce() {
        cachedThenStale();
        admit("prod", key, CSI_POD); // re-read because the interval passed, not because of a miss
        String rotated = register("prod", null, null);
        assertThat(admit("prod", rotated, CSI_POD).reason()).isEqualTo(AdmissionReason.PATCHED);
    }

    @Test
    void snapStartPrimingsReservedName_isRefusedUncounted_withoutAStoreRead() {
        assertThatThrownBy(() -> admit(dev.podidentity.domain.ClusterName.RESERVED, key, CSI_POD))
                .isInstanceOfSatisfying(AdmissionService.RefusedException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_DENIED);
                    assertThat(e.reason()).isNull();
                });
        assertThat(clusterReads.get()).isZero();
        assertThat(bodyRead).isFalse();
    }

    @Test
    void theMetricsReasonDimension_isEachOutcomesStableName() {
        assertThat(java.util.Arrays.stream(AdmissionReason.values()).map(AdmissionReason::metricValue)).containsExactly(
                "Patched", "Unchanged", "NotAssociated", "Conflict", "PodDeleted", "DeleteIgnored", "RefusedKey",
                "UnknownCluster", "Malformed", "StoreFailure", "StoreTimeout");
    }

    /** Registers clusters c0 .. c(n-1) and admits a pod on each of the first {@code cached}: their keys are cached. */
    String[] registerAndCache(int n, int cached) {
        String[] keys = new String[n];
        for (int i = 0; i < n; i++) {
            keys[i] = register("c" + i, null, null);
        }
        for (int i = 0; i < cached; i++) {
            assertThat(admit("c" + i, keys[i], CSI_POD).reason()).isEqualTo(AdmissionReason.NOT_ASSOCIATED);
        }
        return keys;
    }

    @Test
    void unknownNamesStayCached_whileTheCacheHasRoom() {
        assertThat(refusal(() -> admit("ghost", "k", CSI_POD))).isEqualTo(AdmissionReason.UNKNOWN_CLUSTER);
        assertThat(admit("prod", key, CSI_POD).reason()).isEqualTo(AdmissionReason.PATCHED);
        assertThat(refusal(() -> admit("ghost", "k", CSI_POD))).isEqualTo(AdmissionReason.UNKNOWN_CLUSTER);
        assertThat(clusterReads.get()).as("reading prod evicted nothing").isEqualTo(2);
    }

    @Test
    void aMissOnAClusterAlreadyCached_evictsNothing_evenWhenTheCacheIsFull() {
        registerAndCache(999, 999);
        assertThat(refusal(() -> admit("ghost", "k", CSI_POD))).isEqualTo(AdmissionReason.UNKNOWN_CLUSTER);
        assertThat(clusterReads.get()).as("1,000 entries").isEqualTo(1000);
        assertThat(refusal(() -> admit("c0", "wrong", CSI_POD))).as("re-read at once").isEqualTo(AdmissionReason.REFUSED_KEY);
        assertThat(clusterReads.get()).isEqualTo(1001);
        assertThat(refusal(() -> admit("ghost", "k", CSI_POD))).isEqualTo(AdmissionReason.UNKNOWN_CLUSTER);
        assertThat(clusterReads.get()).as("the unknown name is still cached: no read").isEqualTo(1001);
    }

    @Test
    void aCacheFullOfRealClusters_startsOver_andEveryClusterStillWorks() {
        String[] keys = registerAndCache(1001, 1000);
        assertThat(admit("c999", keys[999], CSI_POD).reason()).isEqualTo(AdmissionReason.NOT_ASSOCIATED);
        assertThat(clusterReads.get()).as("1,000 clusters cached").isEqualTo(1000);
        assertThat(admit("c1000", keys[1000], CSI_POD).reason()).isEqualTo(AdmissionReason.NOT_ASSOCIATED);
        assertThat(admit("c0", keys[0], CSI_POD).reason()).isEqualTo(AdmissionReason.NOT_ASSOCIATED);
        assertThat(clusterReads.get()).as("the 1,001st started the cache over: c0 is read again").isEqualTo(1002);
    }

    @Test
    void manyUnknownNames_areEvictedFirst_realClustersStayCached() {
        admit("prod", key, CSI_POD);
        for (int i = 0; i < 1100; i++) {
            String name = "ghost-" + i;
            refusal(() -> admit(name, "k", CSI_POD));
        }
        int reads = clusterReads.get();
        assertThat(admit("prod", key, CSI_POD).reason()).isEqualTo(AdmissionReason.PATCHED);
        assertThat(clusterReads.get()).as("prod is still cached").isEqualTo(reads);
        assertThat(refusal(() -> admit("ghost-0", "k", CSI_POD))).isEqualTo(AdmissionReason.UNKNOWN_CLUSTER);
        assertThat(clusterReads.get()).as("an evicted miss is read again").isEqualTo(reads + 1);
    }
}
