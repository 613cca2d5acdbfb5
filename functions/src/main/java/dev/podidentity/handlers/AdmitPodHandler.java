package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.ApiResponse;
import dev.podidentity.api.Json;
import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.service.admission.AdmissionReason;
import dev.podidentity.service.admission.AdmissionService;
import dev.podidentity.service.admission.PodDeletions;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.lambda.powertools.metrics.MetricsFactory;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * AdmitPod: {@code POST /clusters/{name}/admission/{webhookKey}}, the cluster's mutating admission webhook for pod
 * CREATE and validating webhook for pod DELETE (AdmissionReview admission.k8s.io/v1 in and out; a DELETE of a pod
 * with our token writes its tombstone, counted as {@value #TOMBSTONE_METRIC}). The key in the URL is the credential,
 * so the route has no gateway authorization; it is never logged. A failure of ours answers "allowed" without a patch
 * (or without a tombstone) and is logged, so the webhook never blocks a pod. Every answer, refusals and our failures
 * included, is counted in {@value AdmissionReason#METRIC} by {@link AdmissionReason}.
 */
public final class AdmitPodHandler extends ApiHandler {
    /** EMF count of pod tombstones written (DELETE reviews of pods that carry our token). */
    public static final String TOMBSTONE_METRIC = "PodTombstonesWritten";
    private static final Logger LOG = LoggerFactory.getLogger(AdmitPodHandler.class);

    private final AdmissionService service;
    private final String metricsNamespace;

    public AdmitPodHandler() {
        this(Composition.fromEnvironment());
    }

    public AdmitPodHandler(Composition composition) {
        this(composition.admissions(), composition.settings().metricsNamespace());
    }

    public AdmitPodHandler(AdmissionService service, String metricsNamespace) {
        super(Route.ADMIT_POD);
        this.service = service;
        this.metricsNamespace = metricsNamespace;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        String cluster = request.path("name");
        AdmissionService.Outcome outcome = service.admit(cluster, request.path("webhookKey"),
                () -> request.rawBody(AdmissionService.MAX_REVIEW_CHARS));
        if (outcome.failure() != null) {
            if (outcome.deletion() != null) {
                LOG.warn("AdmitPod could not record a pod's deletion: cluster {}, namespace {}: {}",
                        cluster, outcome.namespace(), outcome.failure());
            } else {
                LOG.warn("AdmitPod allowed a pod without a patch: cluster {}, namespace {}, service account {}: {}",
                        cluster, outcome.namespace(), outcome.serviceAccount(), outcome.failure());
            }
        }
        // our failures too: StoreFailure / StoreTimeout, which the AdmissionFailures alarm watches
        count(outcome.reason());
        if (outcome.deletion() == PodDeletions.Result.RECORDED) {
            MetricsFactory.getMetricsInstance().flushSingleMetric(TOMBSTONE_METRIC, 1, MetricUnit.COUNT, metricsNamespace);
        }
        ObjectNode review = Json.object().put("apiVersion", AdmissionService.API_VERSION).put("kind", AdmissionService.KIND);
        ObjectNode response = review.putObject("response").put("uid", outcome.uid()).put("allowed", true);
        if (!outcome.warnings().isEmpty()) {
            // shown by kubectl and kept in the audit log: the pod's owner learns why it has no credentials
            outcome.warnings().forEach(response.putArray("warnings")::add);
        }
        if (outcome.patch() != null) {
            response.put("patchType", "JSONPatch").put("patch", Base64.getEncoder()
                    .encodeToString(Json.write(outcome.patch()).getBytes(StandardCharsets.UTF_8)));
        }
        return review;
    }

    /** Refused admissions count too: a stale webhook URL (RefusedKey) is otherwise silent under failurePolicy Ignore. */
    @Override
    protected void onRefused(ServiceException e) {
        AdmissionReason reason = AdmissionService.reasonOf(e);
        if (reason != null) {
            count(reason);
        }
    }

    /** One admission into {@value AdmissionReason#METRIC}, by reason only (never the cluster, namespace or key). */
    private void count(AdmissionReason reason) {
        MetricsFactory.getMetricsInstance().flushSingleMetric(AdmissionReason.METRIC, 1, MetricUnit.COUNT,
                metricsNamespace, DimensionSet.of(AdmissionReason.DIMENSION, reason.metricValue()));
    }

    /**
     * A malformed review's 400 also carries an AdmissionReview that echoes its uid, when it could be read. A refused
     * call (wrong key, unknown cluster, store failure before authentication) also reads as a Kubernetes Status: the
     * API server then reports our message ("failed calling webhook ...: The webhook URL is not valid ...") in its
     * log and, for fail-closed namespaces, to the client; any other body it reports as "unknown".
     */
    @Override
    protected ApiResponse refusal(ErrorCode code, ServiceException e) {
        if (e instanceof AdmissionService.RefusedException) {
            ObjectNode body = Json.object().put("message", e.getMessage())
                    .put("apiVersion", "v1").put("kind", "Status").put("status", "Failure").put("code", code.httpStatus());
            body.putObject("metadata");
            return error(code, body);
        }
        if (!(e instanceof AdmissionService.MalformedReviewException malformed) || malformed.uid() == null) {
            return super.refusal(code, e);
        }
        ObjectNode body = Json.object().put("message", e.getMessage())
                .put("apiVersion", AdmissionService.API_VERSION).put("kind", AdmissionService.KIND);
        ObjectNode response = body.putObject("response").put("uid", malformed.uid()).put("allowed", false);
        response.putObject("status").put("code", code.httpStatus()).put("message", e.getMessage());
        return error(code, body);
    }
}
