package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Priming;
import dev.podidentity.api.Json;
import dev.podidentity.config.Composition;
import dev.podidentity.service.ClusterService;

/** ListClusters (GET /clusters). */
public final class ListClustersHandler extends ApiHandler {
    private final ClusterService service;

    /** The constructor Lambda calls; registers the handler for SnapStart priming. */
    public ListClustersHandler() {
        this(Composition.fromEnvironment().clusters());
        Priming.register(this);
    }

    public ListClustersHandler(ClusterService service) {
        this.service = service;
    }

    @Override
    protected String operation() {
        return "ListClusters";
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
