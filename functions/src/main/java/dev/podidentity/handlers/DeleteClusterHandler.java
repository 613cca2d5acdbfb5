package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Priming;
import dev.podidentity.api.WireFormat;
import dev.podidentity.config.Composition;
import dev.podidentity.service.ClusterService;

/** DeleteCluster (DELETE /clusters/{name}: refused while associations exist). */
public final class DeleteClusterHandler extends ApiHandler {
    private final ClusterService service;

    /** The constructor Lambda calls; registers the handler for SnapStart priming. */
    public DeleteClusterHandler() {
        this(Composition.fromEnvironment().clusters());
        Priming.register(this);
    }

    public DeleteClusterHandler(ClusterService service) {
        this.service = service;
    }

    @Override
    protected String operation() {
        return "DeleteCluster";
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        return WireFormat.clusterResponse(service.delete(request.path("name")));
    }
}
