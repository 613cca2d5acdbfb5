package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Route;
import dev.podidentity.api.WireFormat;
import dev.podidentity.config.Composition;
import dev.podidentity.service.ClusterService;

/** DescribeCluster (GET /clusters/{name}). */
public final class DescribeClusterHandler extends ApiHandler {
    private final ClusterService service;

    /** The constructor Lambda calls. */
    public DescribeClusterHandler() {
        this(Composition.fromEnvironment().clusters());
    }

    public DescribeClusterHandler(ClusterService service) {
        super(Route.DESCRIBE_CLUSTER);
        this.service = service;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        return WireFormat.clusterResponse(service.describe(request.path("name")));
    }
}
