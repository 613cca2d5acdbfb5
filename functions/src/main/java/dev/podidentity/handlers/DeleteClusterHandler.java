package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Route;
import dev.podidentity.api.WireFormat;
import dev.podidentity.config.Composition;
import dev.podidentity.service.ClusterService;

/** DeleteCluster (DELETE /clusters/{name}: refused while associations exist). */
public final class DeleteClusterHandler extends ApiHandler {
    private final ClusterService service;

    /** The constructor Lambda calls. */
    public DeleteClusterHandler() {
        this(Composition.fromEnvironment().clusters());
    }

    public DeleteClusterHandler(ClusterService service) {
        super(Route.DELETE_CLUSTER);
        this.service = service;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        return WireFormat.clusterResponse(service.delete(request.path("name")));
    }
}
