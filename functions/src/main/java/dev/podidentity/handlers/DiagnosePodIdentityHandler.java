package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Json;
import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import dev.podidentity.domain.DiagnosticStep;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.service.DiagnosisService;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * DiagnosePodIdentity (extension): {@code POST /clusters/{name}/diagnose} with {@code {namespace, serviceAccount}} and
 * optionally {@code token}, {@code podCreatedAt} (epoch seconds) and {@code podEnvironment} (variable names); answers
 * {@code {"steps": [{check, status, detail, fix}], "firstFailure", "healthy"}}. The token is never echoed or logged.
 */
public final class DiagnosePodIdentityHandler extends ApiHandler {
    /** Kubernetes allows at most this many variables per container; more names are a mistake, not a pod. */
    static final int MAX_ENVIRONMENT = 4096;

    private final DiagnosisService service;

    public DiagnosePodIdentityHandler() {
        this(Composition.fromEnvironment().diagnosis());
    }

    public DiagnosePodIdentityHandler(DiagnosisService service) {
        super(Route.DIAGNOSE_POD_IDENTITY);
        this.service = service;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        JsonNode body = request.body();
        DiagnosisService.Diagnosis d = service.diagnose(new DiagnosisService.Request(
                request.path("name"),
                Json.optionalString(body, "namespace"),
                Json.optionalString(body, "serviceAccount"),
                Json.optionalString(body, "token"),
                podCreatedAt(body.get("podCreatedAt")),
                names(body.get("podEnvironment")), pod(body.get("pod"))));
        ObjectNode out = Json.object();
        ArrayNode steps = out.putArray("steps");
        for (DiagnosticStep s : d.steps()) {
            ObjectNode step = steps.addObject().put("check", s.check().wireName()).put("status", s.status().name())
                    .put("detail", s.detail());
            if (s.fix() != null) {
                step.put("fix", s.fix());
            }
        }
        d.firstFailure().ifPresent(f -> out.put("firstFailure", f.check().wireName()));
        out.put("healthy", d.healthy());
        return out;
    }

    private static Instant podCreatedAt(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw ServiceException.invalidParameter("podCreatedAt must be a number: the pod's creation time in epoch seconds");
        }
        BigDecimal seconds = v.decimalValue();
        if (seconds.signum() < 0 || seconds.compareTo(BigDecimal.valueOf(253402300799L)) > 0) {
            throw ServiceException.invalidParameter("podCreatedAt must be epoch seconds between 0 and 253402300799");
        }
        return Instant.ofEpochMilli(seconds.movePointRight(3).longValue());
    }

    private static JsonNode pod(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject() || !v.path("spec").isObject()) {
            throw ServiceException.invalidParameter("pod must be the Pod object: kubectl get pod POD -o json");
        }
        return v;
    }

    private static List<String> names(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray() || v.size() > MAX_ENVIRONMENT) {
            throw ServiceException.invalidParameter("podEnvironment must be an array of at most " + MAX_ENVIRONMENT
                    + " environment variable names");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : v) {
            if (!n.isTextual()) {
                throw ServiceException.invalidParameter("podEnvironment must hold strings: the names of the pod's"
                        + " environment variables");
            }
            out.add(n.textValue());
        }
        return out;
    }
}
