package dev.podidentity.service.admission;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.ClusterName;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.Subject;
import dev.podidentity.domain.SubjectBinding;
import dev.podidentity.domain.WebhookKey;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * AdmitPod: the cluster's mutating admission webhook. Authenticates the key in the URL against the cluster's stored
 * hash (cached for {@link #CLUSTER_CACHE_TTL}), validates the AdmissionReview, reads the service account's binding
 * with the same single consistent read AssumeRoleForPodIdentity uses, and answers the pod's patch. Every answer has an
 * {@link AdmissionReason}, for the metric.
 *
 * <p>Nothing an unauthenticated caller sends can be amplified: a key that does not match, or a cluster that is not
 * registered, re-reads the cluster at most once per {@link #MISS_REREAD_INTERVAL} (a flood of wrong keys costs one
 * read per cluster per interval, plus one per {@link #CLUSTER_CACHE_TTL}); the first miss after a regular read
 * re-reads at once, so a rotated key works at once unless wrong keys came just before it; the cache holds at most
 * {@link #MAX_CACHED_CLUSTERS} clusters. When the data store fails, a request whose key matches the cached hash is
 * answered from the cached settings (the pod is allowed, without a patch if the binding cannot be read); any other is
 * refused (503) before its body is read.
 *
 * <p>Failures of our own never block a pod through this path: the answer is "allowed, no patch" with a warning. A
 * pod whose own volumes or mounts stand where the token goes ({@link PodPatch#conflicts}) gets no patch either, and a
 * warning that names the conflict.
 */
public final class AdmissionService {
    public static final Duration CLUSTER_CACHE_TTL = Duration.ofSeconds(30);
    /** A wrong key or unknown cluster re-reads the cluster at most this often (as the credential path's kid refresh). */
    public static final Duration MISS_REREAD_INTERVAL = Duration.ofSeconds(5);
    /** Bounds the cache a caller can fill with names of clusters that do not exist. */
    static final int MAX_CACHED_CLUSTERS = 1000;
    /**
     * etcd stores objects up to 1.5 MiB (its default request limit), so no pod is larger; the review around it adds
     * little. Well under Lambda's 6 MB payload limit.
     */
    public static final int MAX_REVIEW_CHARS = 2 * 1024 * 1024;
    public static final String API_VERSION = "admission.k8s.io/v1";
    public static final String KIND = "AdmissionReview";
    /**
     * The AdmissionReview warning on a server-side dry run ({@code request.dryRun}) of a pod CREATE: {@code cluster/install}
     * creates a dry-run pod after applying and looks for it, proving the API server reaches this webhook.
     */
    public static final String DRY_RUN_WARNING = "EKS Pod Identity webhook reached (dry run)";
    /** The warning on a pod admitted without its patch because of our failure (Kubernetes keeps warnings short). */
    public static final String DEGRADED_WARNING =
            "EKS Pod Identity: association lookup failed; pod admitted without AWS credentials, recreate it";
    private static final String INVALID_URL =
            "The webhook URL is not valid: use the webhookUrl RegisterCluster returned for this cluster";
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1 << 20).build())
            .build());

    /**
     * The answer: the request's uid, the patch (null: none), our own failure (null: none) when there was one, the
     * pod's subject when it was read, why, the warnings for the AdmissionResponse, and what became of a DELETE review
     * ({@code deletion}; null for CREATE).
     */
    public record Outcome(String uid, ArrayNode patch, String failure, String namespace, String serviceAccount,
                          AdmissionReason reason, List<String> warnings, PodDeletions.Result deletion) {
        public Outcome {
            warnings = warnings == null ? List.of() : List.copyOf(warnings);
        }

        /** The outcome of a CREATE review. */
        public Outcome(String uid, ArrayNode patch, String failure, String namespace, String serviceAccount,
                       AdmissionReason reason, List<String> warnings) {
            this(uid, patch, failure, namespace, serviceAccount, reason, warnings, null);
        }
    }

    /** A refused request (403 for the key or cluster, 503 for a store failure before authentication), with why. */
    public static final class RefusedException extends ServiceException {
        private static final long serialVersionUID = 1L;
        private final AdmissionReason reason;

        RefusedException(ErrorCode code, AdmissionReason reason, String message, Throwable cause) {
            super(code, message, cause);
            this.reason = reason;
        }

        public AdmissionReason reason() {
            return reason;
        }
    }

    /** A malformed AdmissionReview (400); carries the uid when it could be read, to echo it. */
    public static final class MalformedReviewException extends ServiceException {
        private static final long serialVersionUID = 1L;
        private final String uid;

        MalformedReviewException(String uid, String message) {
            super(ErrorCode.INVALID_REQUEST, message);
            this.uid = uid;
        }

        public String uid() {
            return uid;
        }
    }

    /**
     * A cluster's webhook settings as read at {@code loadedAt}; {@code keyHash} null: no such cluster (or no key).
     * {@code afterMiss}: read because a key did not match (or the cluster was unknown), so further misses wait for
     * {@link #MISS_REREAD_INTERVAL}; the first miss after any other read re-reads at once (a rotated key works at once).
     */
    private record ClusterWebhook(String keyHash, PodPatch.Target target, int tombstoneLifetimeSeconds, Instant loadedAt,
                                  boolean afterMiss) {
    }

    private final PodIdentityStore store;
    private final Clock clock;
    private final String serviceRegion;
    private final Map<String, ClusterWebhook> clusters = new ConcurrentHashMap<>();
    private final PodDeletions deletions;

    public AdmissionService(PodIdentityStore store, Clock clock) {
        this(store, clock, null);
    }

    /** {@code serviceRegion}: the region injected for clusters registered without one (null: none). */
    public AdmissionService(PodIdentityStore store, Clock clock, String serviceRegion) {
        this.store = store;
        this.clock = clock;
        this.serviceRegion = serviceRegion;
        this.deletions = new PodDeletions(store, clock);
    }

    /** The reason a refusal of {@link #admit} stands for (for the metric); null for an error of ours or priming's. */
    public static AdmissionReason reasonOf(ServiceException e) {
        if (e instanceof RefusedException r) {
            return r.reason();
        }
        return e instanceof MalformedReviewException ? AdmissionReason.MALFORMED : null;
    }

    /**
     * Answers a pod CREATE review. Throws {@link RefusedException} (wrong key, unknown cluster, store failure before
     * authentication) and {@link MalformedReviewException}; anything else is an {@link Outcome}.
     */
    public Outcome admit(String clusterName, String webhookKey, Supplier<String> body) {
        ClusterWebhook webhook = authorize(clusterName, webhookKey);
        JsonNode request = review(body.get());
        if ("DELETE".equals(request.path("operation").textValue())) {
            return deletions.admit(new ClusterName(clusterName).value(), webhook.tombstoneLifetimeSeconds(), request);
        }
        Outcome outcome = create(clusterName, webhook, request);
        if (!request.path("dryRun").asBoolean(false)) {
            return outcome;
        }
        // a server-side dry run (cluster/install creates one after applying): say that the webhook was reached
        List<String> warnings = new ArrayList<>(outcome.warnings());
        warnings.add(DRY_RUN_WARNING);
        return new Outcome(outcome.uid(), outcome.patch(), outcome.failure(), outcome.namespace(),
                outcome.serviceAccount(), outcome.reason(), warnings);
    }

    private Outcome create(String clusterName, ClusterWebhook webhook, JsonNode request) {
        String uid = request.path("uid").textValue();
        String namespace = text(request, "namespace", uid);
        JsonNode pod = request.get("object");
        if (namespace == null && pod != null) {
            namespace = pod.path("metadata").path("namespace").textValue();
        }
        if (namespace == null || namespace.isEmpty()) {
            throw new MalformedReviewException(uid, "request.namespace is required: the namespace the pod is created in");
        }
        if (pod == null || !pod.isObject()) {
            throw new MalformedReviewException(uid, "request.object must be the Pod being created");
        }
        JsonNode sa = pod.path("spec").get("serviceAccountName");
        String serviceAccount = sa == null || sa.isNull() || sa.asText().isEmpty() ? "default" : sa.asText();
        Subject subject;
        try {
            subject = new Subject(namespace, serviceAccount);
        } catch (ServiceException e) {
            throw new MalformedReviewException(uid, "the pod's namespace or service account is invalid: " + e.getMessage());
        }
        Optional<SubjectBinding> binding;
        try {
            binding = store.findBinding(new ClusterName(clusterName).value(), subject.namespace(), subject.serviceAccount());
        } catch (RuntimeException e) {
            return new Outcome(uid, null, describe(e), subject.namespace(), subject.serviceAccount(), storeReason(e),
                    List.of(DEGRADED_WARNING));
        }
        if (binding.isEmpty()) {
            return new Outcome(uid, null, null, subject.namespace(), subject.serviceAccount(),
                    AdmissionReason.NOT_ASSOCIATED, List.of());
        }
        return patch(uid, pod, webhook.target(), subject);
    }

    /** The outcome for an associated pod: its patch, or none and a warning when something of its own is in the way. */
    private static Outcome patch(String uid, JsonNode pod, PodPatch.Target target, Subject subject) {
        ArrayNode patch;
        try {
            patch = PodPatch.build(pod, target);
        } catch (ServiceException e) {
            throw new MalformedReviewException(uid, e.getMessage());
        }
        List<String> conflicts = PodPatch.conflicts(pod);
        if (!conflicts.isEmpty()) {
            // the variables would point at a file that is not our token: send nothing, as the stock webhook does
            return new Outcome(uid, null, null, subject.namespace(), subject.serviceAccount(), AdmissionReason.CONFLICT,
                    List.of("EKS Pod Identity: no AWS credentials injected: " + String.join("; ", conflicts)));
        }
        return new Outcome(uid, patch.isEmpty() ? null : patch, null, subject.namespace(), subject.serviceAccount(),
                patch.isEmpty() ? AdmissionReason.UNCHANGED : AdmissionReason.PATCHED, List.of());
    }

    /** The cluster's webhook settings when the key is its key; a {@link RefusedException} otherwise. */
    private ClusterWebhook authorize(String clusterName, String key) {
        String cluster;
        try {
            cluster = new ClusterName(clusterName).value();
        } catch (ServiceException e) {
            throw refused(AdmissionReason.UNKNOWN_CLUSTER);
        }
        if (ClusterName.RESERVED.equals(cluster)) {
            // SnapStart priming's requests (the name cannot be registered): refused without a reason, so uncounted,
            // or every deployment would raise the refused-keys alarm
            throw new RefusedException(ErrorCode.ACCESS_DENIED, null, INVALID_URL, null);
        }
        Instant now = clock.instant();
        ClusterWebhook cached = clusters.get(cluster);
        if (cached != null && now.isBefore(cached.loadedAt().plus(CLUSTER_CACHE_TTL))) {
            if (cached.keyHash() != null && WebhookKey.matches(key, cached.keyHash())) {
                return cached;
            }
            if ((cached.afterMiss() || cached.keyHash() == null) && now.isBefore(cached.loadedAt().plus(MISS_REREAD_INTERVAL))) {
                throw refused(cached.keyHash() == null ? AdmissionReason.UNKNOWN_CLUSTER : AdmissionReason.REFUSED_KEY);
            }
        }
        ClusterWebhook loaded;
        try {
            loaded = load(cluster, now, cached != null && now.isBefore(cached.loadedAt().plus(CLUSTER_CACHE_TTL)));
        } catch (RuntimeException e) {
            if (cached != null && cached.keyHash() != null && WebhookKey.matches(key, cached.keyHash())) {
                return cached; // the key was this cluster's when last read: decide from the cached hash
            }
            // not authenticated: refuse before the body is read (the API server applies the failurePolicy)
            throw new RefusedException(ErrorCode.SERVICE_UNAVAILABLE, storeReason(e),
                    "The service cannot check the webhook URL now; the API server applies the webhook's failurePolicy",
                    e);
        }
        if (loaded.keyHash() == null) {
            throw refused(AdmissionReason.UNKNOWN_CLUSTER);
        }
        if (!WebhookKey.matches(key, loaded.keyHash())) {
            throw refused(AdmissionReason.REFUSED_KEY);
        }
        return loaded;
    }

    private ClusterWebhook load(String cluster, Instant now, boolean afterMiss) {
        Cluster found = store.findCluster(cluster).orElse(null);
        if (clusters.size() >= MAX_CACHED_CLUSTERS && !clusters.containsKey(cluster)) {
            // names of clusters that do not exist go first; a full cache of real ones starts over
            clusters.values().removeIf(c -> c.keyHash() == null);
            if (clusters.size() >= MAX_CACHED_CLUSTERS) {
                clusters.clear();
            }
        }
        ClusterWebhook loaded = found == null || found.webhookKeyHash() == null
                ? new ClusterWebhook(null, null, 0, now, true)
                : new ClusterWebhook(found.webhookKeyHash(), new PodPatch.Target(found.podTokenLifetimeSeconds(),
                        found.effectiveIpFamily().credentialsUri(), found.region() != null ? found.region() : serviceRegion),
                        // a deleted pod's tokens are accepted up to the longest lifetime the cluster may still accept
                        Math.max(found.podTokenLifetimeSeconds(), found.previousPodTokenLifetimeSeconds()), now, afterMiss);
        clusters.put(cluster, loaded);
        return loaded;
    }

    /** The AdmissionReview's request, validated; 400 for anything that is not a pod CREATE review. */
    private static JsonNode review(String body) {
        if (body == null || body.isBlank()) {
            throw new MalformedReviewException(null, "The request body is empty: send an AdmissionReview (" + API_VERSION + ")");
        }
        if (body.length() > MAX_REVIEW_CHARS) {
            throw new MalformedReviewException(null, "The AdmissionReview is larger than " + MAX_REVIEW_CHARS
                    + " characters; no pod is that large");
        }
        JsonNode review;
        try {
            review = JSON.readTree(body);
        } catch (IOException e) {
            throw new MalformedReviewException(null, "The request body is not valid JSON: send an AdmissionReview ("
                    + API_VERSION + ")");
        }
        if (review == null || !review.isObject()) {
            throw new MalformedReviewException(null, "The request body must be an AdmissionReview object");
        }
        JsonNode request = review.get("request");
        JsonNode uidNode = request == null ? null : request.get("uid");
        String uid = uidNode != null && uidNode.isTextual() && !uidNode.textValue().isEmpty() ? uidNode.textValue() : null;
        if (!API_VERSION.equals(review.path("apiVersion").textValue()) || !KIND.equals(review.path("kind").textValue())) {
            throw new MalformedReviewException(uid, "apiVersion must be " + API_VERSION + " and kind " + KIND
                    + ": set admissionReviewVersions: [\"v1\"] in the webhook configuration");
        }
        if (request == null || !request.isObject()) {
            throw new MalformedReviewException(null, "request is required in the AdmissionReview");
        }
        if (uid == null) {
            throw new MalformedReviewException(null, "request.uid is required: a non-empty string");
        }
        JsonNode kind = request.path("kind");
        if (!"Pod".equals(kind.path("kind").textValue()) || !kind.path("group").asText("").isEmpty()
                || !request.path("subResource").asText("").isEmpty()) {
            throw new MalformedReviewException(uid, "only Pods are admitted here (request.kind is "
                    + kind.path("group").asText("") + "/" + kind.path("kind").asText("?")
                    + "): the webhook's rules must select CREATE of pods only");
        }
        String operation = request.path("operation").textValue();
        if (!"CREATE".equals(operation) && !"DELETE".equals(operation)) {
            throw new MalformedReviewException(uid, "only CREATE and DELETE are admitted here (request.operation is "
                    + request.path("operation").asText("missing") + "): the webhooks' rules must select CREATE"
                    + " (mutating) and DELETE (validating) only");
        }
        return request;
    }

    private static String text(JsonNode request, String field, String uid) {
        JsonNode v = request.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new MalformedReviewException(uid, "request." + field + " must be a string");
        }
        return v.textValue();
    }

    /** The same answer for a wrong key and an unknown cluster: the caller learns nothing about which. */
    private static RefusedException refused(AdmissionReason reason) {
        return new RefusedException(ErrorCode.ACCESS_DENIED, reason, INVALID_URL, null);
    }

    /** A store timeout (an SDK call or socket timed out somewhere in the cause chain) or another store failure. */
    static AdmissionReason storeReason(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getClass().getSimpleName().contains("Timeout")) {
                return AdmissionReason.STORE_TIMEOUT;
            }
        }
        return AdmissionReason.STORE_FAILURE;
    }

    static String describe(RuntimeException e) {
        return e instanceof ServiceException s ? s.code().wireName() + ": " + s.getMessage() : e.getClass().getSimpleName();
    }
}
