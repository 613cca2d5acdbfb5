package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Json;
import dev.podidentity.api.Route;
import dev.podidentity.api.WireFormat;
import dev.podidentity.config.Composition;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.service.ClusterService;

/**
 * RegisterCluster (PUT /clusters/{name}: register a cluster or rotate its keys). Answers {@code webhookUrl} (the
 * admission webhook's URL with its key) only when this registration created or rotated the key.
 */
public final class RegisterClusterHandler extends ApiHandler {
    private final ClusterService service;
    /** The API's public URL when set (PUBLIC_API_URL), else derived from each request. */
    private final String publicApiUrl;

    /** The constructor Lambda calls. */
    public RegisterClusterHandler() {
        this(Composition.fromEnvironment());
    }

    public RegisterClusterHandler(Composition composition) {
        this(composition.clusters(), composition.settings().publicApiUrl());
    }

    public RegisterClusterHandler(ClusterService service) {
        this(service, null);
    }

    public RegisterClusterHandler(ClusterService service, String publicApiUrl) {
        super(Route.REGISTER_CLUSTER);
        this.service = service;
        this.publicApiUrl = publicApiUrl;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        JsonNode body = request.body();
        JsonNode jwks = body.get("jwks");
        String jwksJson = jwks == null || jwks.isNull() ? null
                : jwks.isTextual() ? jwks.textValue() : Json.write(jwks);
        Boolean rotate = Json.optionalBoolean(body, "rotateWebhookKey");
        ClusterService.Registration r = service.register(request.path("name"), Json.optionalString(body, "issuer"),
                jwksJson, Json.optionalStringMap(body, "tags"), lifetime(body), Boolean.TRUE.equals(rotate),
                Json.optionalString(body, "ipFamily"), Json.optionalString(body, "region"),
                Json.optionalString(body, "webhookSyncServiceAccount"));
        ObjectNode response = WireFormat.clusterResponse(r.cluster());
        if (r.webhookKey() != null) {
            String base = publicApiUrl != null ? publicApiUrl : request.publicBaseUrl();
            response.put("webhookUrl", base + "/clusters/" + r.cluster().name() + "/admission/" + r.webhookKey());
        }
        return response;
    }

    private static Integer lifetime(JsonNode body) {
        JsonNode v = body.get("podTokenLifetimeSeconds");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ServiceException.invalidParameter("podTokenLifetimeSeconds must be a whole number of seconds");
        }
        return v.intValue();
    }
}
