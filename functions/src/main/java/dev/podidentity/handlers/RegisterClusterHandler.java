package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Priming;
import dev.podidentity.api.Json;
import dev.podidentity.api.WireFormat;
import dev.podidentity.config.Composition;
import dev.podidentity.service.ClusterService;

/** RegisterCluster (PUT /clusters/{name}: register a cluster or rotate its keys). */
public final class RegisterClusterHandler extends ApiHandler {
    private final ClusterService service;

    /** The constructor Lambda calls; registers the handler for SnapStart priming. */
    public RegisterClusterHandler() {
        this(Composition.fromEnvironment().clusters());
        Priming.register(this);
    }

    public RegisterClusterHandler(ClusterService service) {
        this.service = service;
    }

    @Override
    protected String operation() {
        return "RegisterCluster";
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        JsonNode body = request.body();
        JsonNode jwks = body.get("jwks");
        String jwksJson = jwks == null || jwks.isNull() ? null
                : jwks.isTextual() ? jwks.textValue() : Json.write(jwks);
        return WireFormat.clusterResponse(service.register(request.path("name"), Json.optionalString(body, "issuer"),
                jwksJson, Json.optionalStringMap(body, "tags")));
    }
}
