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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * AdmitPod: the cluster's mutating admission webhook. Authenticates the key in the URL against the cluster's stored
 * hash (cached for {@link #CLUSTER_CACHE_TTL}; a key that does not match the cached hash re-reads the cluster once,
 * so a rotated key works at once), validates the AdmissionReview, reads the service account's binding with the same
 * single consistent read AssumeRoleForPodIdentity uses, and answers the pod's patch. Failures of our own (the data
 * store) never block a pod: the answer is "allowed, no patch" with the failure reported for logging and metrics.
 */
public final class AdmissionService {
    public static final Duration CLUSTER_CACHE_TTL = Duration.ofSeconds(30);
    /**
     * etcd stores objects up to 1.5 MiB (its default request limit), so no pod is larger; the review around it adds
     * little. Well under Lambda's 6 MB payload limit.
     */
    public static final int MAX_REVIEW_CHARS = 2 * 1024 * 1024;
    public static final String API_VERSION = "admission.k8s.io/v1";
    public static final String KIND = "AdmissionReview";
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1 << 20).build())
            .build());

    /**
     * The answer: the request's uid, the patch (null: none), and our own failure (null: none) when there was one;
     * {@code deletion} is what became of a DELETE review (null for CREATE).
     */
    public record Outcome(String uid, ArrayNode patch, String failure, String namespace, String serviceAccount,
                          PodDeletions.Result deletion) {
        public Outcome(String uid, ArrayNode patch, String failure, String namespace, String serviceAccount) {
            this(uid, patch, failure, namespace, serviceAccount, null);
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

    private record ClusterWebhook(String keyHash, int tokenLifetimeSeconds, Instant loadedAt) {
    }

    private final PodIdentityStore store;
    private final Clock clock;
    private final Map<String, ClusterWebhook> clusters = new ConcurrentHashMap<>();
    private final PodDeletions deletions;

    public AdmissionService(PodIdentityStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.deletions = new PodDeletions(store, clock);
    }

    public Outcome admit(String clusterName, String webhookKey, Supplier<String> body) {
        ClusterWebhook webhook;
        String failure = null;
        try {
            webhook = authorize(clusterName, webhookKey);
        } catch (RuntimeException e) {
            // the data store failed before the key could be checked: answer nothing but "allowed", like a webhook
            // that is not there (failurePolicy Ignore), without revealing anything
            webhook = null;
            failure = describe(e);
        }
        if (webhook == null && failure == null) {
            throw denied();
        }
        JsonNode request = review(body.get());
        String uid = request.path("uid").textValue();
        if ("DELETE".equals(request.path("operation").textValue())) {
            return deletions.admit(new ClusterName(clusterName).value(),
                    webhook == null ? 0 : webhook.tokenLifetimeSeconds(), request, failure);
        }
        if (failure != null) {
            return new Outcome(uid, null, failure, null, null);
        }
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
            return new Outcome(uid, null, describe(e), subject.namespace(), subject.serviceAccount());
        }
        if (binding.isEmpty()) {
            return new Outcome(uid, null, null, subject.namespace(), subject.serviceAccount());
        }
        ArrayNode patch;
        try {
            patch = PodPatch.build(pod, webhook.tokenLifetimeSeconds());
        } catch (ServiceException e) {
            throw new MalformedReviewException(uid, e.getMessage());
        }
        return new Outcome(uid, patch.isEmpty() ? null : patch, null, subject.namespace(), subject.serviceAccount());
    }

    /** The cluster's webhook settings when the key is its key; null when it is not (or the cluster is unknown). */
    private ClusterWebhook authorize(String clusterName, String key) {
        String cluster;
        try {
            cluster = new ClusterName(clusterName).value();
        } catch (ServiceException e) {
            return null;
        }
        Instant now = clock.instant();
        ClusterWebhook cached = clusters.get(cluster);
        boolean fresh = cached != null && now.isBefore(cached.loadedAt().plus(CLUSTER_CACHE_TTL));
        if (fresh && WebhookKey.matches(key, cached.keyHash())) {
            return cached;
        }
        ClusterWebhook loaded = load(cluster, now);
        return loaded != null && WebhookKey.matches(key, loaded.keyHash()) ? loaded : null;
    }

    private ClusterWebhook load(String cluster, Instant now) {
        Cluster found = store.findCluster(cluster).orElse(null);
        if (found == null || found.webhookKeyHash() == null) {
            clusters.remove(cluster);
            return null;
        }
        ClusterWebhook loaded = new ClusterWebhook(found.webhookKeyHash(), found.podTokenLifetimeSeconds(), now);
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

    private static ServiceException denied() {
        return new ServiceException(ErrorCode.ACCESS_DENIED,
                "The webhook URL is not valid: use the webhookUrl RegisterCluster returned for this cluster");
    }

    static String describe(RuntimeException e) {
        return e instanceof ServiceException s ? s.code().wireName() + ": " + s.getMessage() : e.getClass().getSimpleName();
    }
}
