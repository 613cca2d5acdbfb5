package dev.podidentity.service.admission;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.domain.PodDeletion;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.Subject;
import dev.podidentity.domain.Text;
import dev.podidentity.service.token.PodTokenVerifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The DELETE reviews of pods (the cluster's validating webhook, on the same URL and key as AdmitPod's CREATE): a pod
 * that carries our projected token volume gets a tombstone, so AssumeRoleForPodIdentity refuses its tokens once it
 * is gone. Pods without the volume cost nothing (no table call). Never blocks a delete: every outcome is "allowed".
 *
 * <p>The tombstone's deletion time is when the pod is gone, not when the delete was asked for: a graceful delete
 * leaves the pod running for its grace period (it may need its credentials to shut down cleanly, as on EKS, where
 * the token stays valid while the pod object exists); the kubelet's final delete (grace 0) or a forced delete then
 * moves the time forward, and the store keeps the earlier one. It is kept (DynamoDB TTL) until every token the pod
 * could hold has expired: deletion + the cluster's pod token lifetime limit + clock skew.
 */
public final class PodDeletions {
    /** Kubernetes' default terminationGracePeriodSeconds. */
    static final long DEFAULT_GRACE_SECONDS = 30;
    /** The clock skew the broker allows on a token's time claims; the tombstone outlives the last token by as much. */
    static final Duration SKEW = PodTokenVerifier.SKEW;
    /** Kubernetes UIDs are UUIDs; anything printable and short enough to be a key is accepted. */
    private static final Pattern UID = Pattern.compile("[0-9A-Za-z][0-9A-Za-z._-]{0,127}");
    private static final Pattern POD_NAME =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    /** The warning on a delete whose tombstone could not be written (under 120 characters). */
    public static final String DELETION_WARNING =
            "EKS Pod Identity: deletion not recorded; the pod's token works until it expires";

    /** What became of a DELETE review. */
    public enum Result {
        /** The pod has no token volume of ours: nothing to do, no table call. */
        IGNORED,
        /** A dry run ({@code kubectl delete --dry-run=server}): nothing written (sideEffects NoneOnDryRun). */
        DRY_RUN,
        /** The tombstone is written (or an earlier one stands). */
        RECORDED,
        /** Our failure (the data store, or the key check): allowed, nothing written, reported. */
        FAILED
    }

    private final PodIdentityStore store;
    private final Clock clock;

    public PodDeletions(PodIdentityStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Handles a validated DELETE review's request for {@code cluster}, whose pod token lifetime limit is
     * {@code tokenLifetimeSeconds}.
     */
    AdmissionService.Outcome admit(String cluster, int tokenLifetimeSeconds, JsonNode request) {
        String uid = request.path("uid").textValue();
        JsonNode pod = request.get("oldObject");
        if (pod == null || !pod.isObject()) {
            throw new AdmissionService.MalformedReviewException(uid,
                    "request.oldObject must be the Pod being deleted (the API server sends it on DELETE)");
        }
        if (!carriesOurToken(pod)) {
            return outcome(uid, null, null, Result.IGNORED);
        }
        JsonNode metadata = pod.path("metadata");
        String namespace = request.path("namespace").isTextual() ? request.path("namespace").textValue()
                : metadata.path("namespace").textValue();
        String podName = metadata.path("name").textValue();
        String podUid = metadata.path("uid").textValue();
        try {
            Subject.validateNamespace(namespace);
        } catch (ServiceException e) {
            throw new AdmissionService.MalformedReviewException(uid, "request.namespace: " + e.getMessage());
        }
        if (podName == null || podName.length() > 253 || !POD_NAME.matcher(podName).matches()) {
            throw new AdmissionService.MalformedReviewException(uid, "request.oldObject.metadata.name must be the pod's"
                    + " name (a DNS-1123 subdomain), not " + Text.printable(podName));
        }
        if (podUid == null || !UID.matcher(podUid).matches()) {
            throw new AdmissionService.MalformedReviewException(uid, "request.oldObject.metadata.uid must be the pod's"
                    + " UID (up to 128 letters, digits, '.', '_', '-'), not " + Text.printable(podUid));
        }
        if (request.path("dryRun").asBoolean(false)) {
            return outcome(uid, namespace, null, Result.DRY_RUN);
        }
        Instant now = clock.instant();
        Instant deletedAt = now.plusSeconds(graceSeconds(request, pod, uid));
        Instant scheduled = deletionTimestamp(metadata, uid);
        if (scheduled != null && scheduled.isBefore(deletedAt)) {
            deletedAt = scheduled.isBefore(now) ? now : scheduled;
        }
        PodDeletion deletion = new PodDeletion(cluster, podUid, namespace, podName, deletedAt,
                deletedAt.plusSeconds(tokenLifetimeSeconds).plus(SKEW));
        try {
            store.recordPodDeletion(deletion);
        } catch (RuntimeException e) {
            return new AdmissionService.Outcome(uid, null, AdmissionService.describe(e), namespace, null,
                    AdmissionService.storeReason(e), List.of(DELETION_WARNING), Result.FAILED);
        }
        return outcome(uid, namespace, null, Result.RECORDED);
    }

    /** The volume our webhook (and the stock one) injects: {@code eks-pod-identity-token}, projected for our audience. */
    static boolean carriesOurToken(JsonNode pod) {
        for (JsonNode volume : pod.path("spec").path("volumes")) {
            if (!PodPatch.VOLUME.equals(volume.path("name").textValue())) {
                continue;
            }
            for (JsonNode source : volume.path("projected").path("sources")) {
                if (PodPatch.AUDIENCE.equals(source.path("serviceAccountToken").path("audience").textValue())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * How long the pod keeps running: the delete's {@code gracePeriodSeconds}, else the pod's
     * {@code terminationGracePeriodSeconds}, else Kubernetes' default.
     */
    private static long graceSeconds(JsonNode request, JsonNode pod, String uid) {
        JsonNode asked = request.path("options").get("gracePeriodSeconds");
        JsonNode own = pod.path("spec").get("terminationGracePeriodSeconds");
        JsonNode grace = asked != null && !asked.isNull() ? asked : own;
        if (grace == null || grace.isNull()) {
            return DEFAULT_GRACE_SECONDS;
        }
        if (!grace.canConvertToLong() || !grace.isIntegralNumber()) {
            throw new AdmissionService.MalformedReviewException(uid, (grace == asked ? "request.options.gracePeriodSeconds"
                    : "request.oldObject.spec.terminationGracePeriodSeconds") + " must be an integer");
        }
        // the API server refuses negative grace periods; never before now all the same
        return Math.max(0, grace.longValue());
    }

    /** A pod already terminating is gone at its deletionTimestamp at the latest. */
    private static Instant deletionTimestamp(JsonNode metadata, String uid) {
        JsonNode v = metadata.get("deletionTimestamp");
        if (v == null || v.isNull()) {
            return null;
        }
        try {
            return Instant.parse(v.asText());
        } catch (DateTimeParseException e) {
            throw new AdmissionService.MalformedReviewException(uid,
                    "request.oldObject.metadata.deletionTimestamp must be an RFC 3339 time, not " + Text.printable(v.asText()));
        }
    }

    private static AdmissionService.Outcome outcome(String uid, String namespace, String failure, Result result) {
        return new AdmissionService.Outcome(uid, null, failure, namespace, null,
                result == Result.RECORDED ? AdmissionReason.POD_DELETED : AdmissionReason.DELETE_IGNORED, List.of(), result);
    }
}
