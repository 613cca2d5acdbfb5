package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.ApiResponse;
import dev.podidentity.api.Json;
import dev.podidentity.api.Priming;
import dev.podidentity.config.Composition;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.service.admission.AdmissionService;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.lambda.powertools.metrics.MetricsFactory;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * AdmitPod: {@code POST /clusters/{name}/admission/{webhookKey}}, the cluster's mutating admission webhook
 * (AdmissionReview admission.k8s.io/v1 in and out). The key in the URL is the credential, so the route has no gateway
 * authorization; it is never logged. A failure of ours answers "allowed" without a patch, logged and counted
 * ({@value #FAILURE_METRIC}), so the webhook never blocks a pod.
 */
public final class AdmitPodHandler extends ApiHandler {
    public static final String FAILURE_METRIC = "AdmissionFailures";
    /** The AdmissionReview warning on a pod admitted without its patch because of our failure (under 120 characters). */
    public static final String DEGRADED_WARNING =
            "EKS Pod Identity: association lookup failed; pod admitted without AWS credentials, recreate it";
    /**
     * The AdmissionReview warning on a server-side dry run ({@code request.dryRun}): {@code cluster/install} creates a
     * dry-run pod after applying and looks for it, proving the API server reaches this webhook.
     */
    public static final String DRY_RUN_WARNING = "EKS Pod Identity webhook reached (dry run)";
    private static final Logger LOG = LoggerFactory.getLogger(AdmitPodHandler.class);

    private final AdmissionService service;
    private final String metricsNamespace;

    public AdmitPodHandler() {
        this(Composition.fromEnvironment());
        Priming.register(this);
    }

    public AdmitPodHandler(Composition composition) {
        this(composition.admissions(), composition.settings().metricsNamespace());
    }

    public AdmitPodHandler(AdmissionService service, String metricsNamespace) {
        this.service = service;
        this.metricsNamespace = metricsNamespace;
    }

    @Override
    protected String operation() {
        return "AdmitPod";
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        String cluster = request.path("name");
        AdmissionService.Outcome outcome = service.admit(cluster, request.path("webhookKey"),
                () -> request.rawBody(AdmissionService.MAX_REVIEW_CHARS));
        if (outcome.failure() != null) {
            LOG.warn("AdmitPod allowed a pod without a patch: cluster {}, namespace {}, service account {}: {}",
                    cluster, outcome.namespace(), outcome.serviceAccount(), outcome.failure());
            MetricsFactory.getMetricsInstance().flushSingleMetric(FAILURE_METRIC, 1, MetricUnit.COUNT, metricsNamespace);
        }
        ObjectNode review = Json.object().put("apiVersion", AdmissionService.API_VERSION).put("kind", AdmissionService.KIND);
        ObjectNode response = review.putObject("response").put("uid", outcome.uid()).put("allowed", true);
        if (outcome.failure() != null) {
            // shown by kubectl and kept in the audit log: the pod's owner learns why it has no credentials
            response.putArray("warnings").add(DEGRADED_WARNING);
        }
        if (dryRun(request)) {
            response.withArray("warnings").add(DRY_RUN_WARNING);
        }
        if (outcome.patch() != null) {
            response.put("patchType", "JSONPatch").put("patch", Base64.getEncoder()
                    .encodeToString(Json.write(outcome.patch()).getBytes(StandardCharsets.UTF_8)));
        }
        return review;
    }

    private static boolean dryRun(ApiRequest request) {
        String raw = request.rawBody(AdmissionService.MAX_REVIEW_CHARS);
        // parse again only when the review may say so (the API server writes the field only when true)
        if (raw == null || !raw.contains("\"dryRun\"")) {
            return false;
        }
        try {
            return Json.parseObject(raw).path("request").path("dryRun").asBoolean(false);
        } catch (ServiceException e) {
            return false; // the review was read already; an unreadable one is answered above
        }
    }

    /** A malformed review's 400 also carries an AdmissionReview that echoes its uid, when it could be read. */
    @Override
    protected ApiResponse refusal(ErrorCode code, ServiceException e) {
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
