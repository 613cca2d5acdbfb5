package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Json;
import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import dev.podidentity.service.ClusterService;

/** ListClusters (GET /clusters). */
public final class ListClustersHandler extends ApiHandler {
    private final ClusterService service;

    /** The constructor Lambda calls. */
    public ListClustersHandler() {
        this(Composition.fromEnvironment().clusters());
    }

    public ListClustersHandler(ClusterService service) {
        super(Route.LIST_CLUSTERS);
        this.service = service;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        var page = service.list(request.queryInt("maxResults"), request.query("nextToken"));
        var body = Json.object();
        var names = body.putArray("clusters");
        page.items().forEach(c -> names.add(c.name()));
        if (page.nextToken() != null) {
            body.put("nextToken", page.nextToken());
        }
        return body;
    }
}
