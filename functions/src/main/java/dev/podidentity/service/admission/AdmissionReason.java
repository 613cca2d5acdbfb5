package dev.podidentity.service.admission;

/**
 * Why AdmitPod answered as it did: the value of the {@code Reason} dimension of the {@value #METRIC} metric. Never
 * anything of the request (no cluster, namespace or key), so a caller cannot grow the metric's dimensions.
 */
public enum AdmissionReason {
    /** An associated pod got its patch. */
    PATCHED("Patched"),
    /** An associated pod already had everything (a reinvocation): allowed without a patch. */
    UNCHANGED("Unchanged"),
    /** The pod's service account has no association: allowed without a patch. */
    NOT_ASSOCIATED("NotAssociated"),
    /** An associated pod has its own volume or mount where the token goes: allowed without a patch, with a warning. */
    CONFLICT("Conflict"),
    /** A DELETE review of a pod that carries our token: its tombstone is written (or an earlier one stands). */
    POD_DELETED("PodDeleted"),
    /** A DELETE review of a pod without our token, or a dry run: allowed, nothing written, no table call. */
    DELETE_IGNORED("DeleteIgnored"),
    /** The key in the URL is not the cluster's (403): the cluster's webhook URL is stale or forged. */
    REFUSED_KEY("RefusedKey"),
    /** The URL names no registered cluster (403, indistinguishable from a wrong key for the caller). */
    UNKNOWN_CLUSTER("UnknownCluster"),
    /** The body is not a pod CREATE or DELETE AdmissionReview (400). */
    MALFORMED("Malformed"),
    /** The data store failed: the pod was allowed without a patch, or the request refused (503) when unauthenticated. */
    STORE_FAILURE("StoreFailure"),
    /** The data store did not answer in time: as {@link #STORE_FAILURE}. */
    STORE_TIMEOUT("StoreTimeout");

    /** The EMF metric every admission counts into, with dimension {@code Reason}. */
    public static final String METRIC = "AdmissionOutcomes";
    public static final String DIMENSION = "Reason";

    private final String metricValue;

    AdmissionReason(String metricValue) {
        this.metricValue = metricValue;
    }

    /** The dimension value. */
    public String metricValue() {
        return metricValue;
    }

    /** True for the outcomes that let an associated pod start without credentials. */
    public boolean degraded() {
        return this == CONFLICT || this == STORE_FAILURE || this == STORE_TIMEOUT;
    }
}
