package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Priming;
import dev.podidentity.api.WireFormat;
import dev.podidentity.config.Composition;
import dev.podidentity.service.ClusterService;

/** DescribeCluster (GET /clusters/{name}). */
public final class DescribeClusterHandler extends ApiHandler {
    private final ClusterService service;

    /** The constructor Lambda calls; registers the handler for SnapStart priming. */
    public DescribeClusterHandler() {
        this(Composition.fromEnvironment().clusters());
        Priming.register(this);
    }

    public DescribeClusterHandler(ClusterService service) {
        this.service = service;
    }

    @Override
    protected String operation() {
        return "DescribeCluster";
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        return WireFormat.clusterResponse(service.describe(request.path("name")));
    }
}
