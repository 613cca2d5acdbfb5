package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Route;
import dev.podidentity.api.WireFormat;
import dev.podidentity.config.Composition;
import dev.podidentity.service.AssociationService;

/** ListPodIdentityAssociations (GET /clusters/{name}/pod-identity-associations). */
public final class ListPodIdentityAssociationsHandler extends ApiHandler {
    private final AssociationService service;

    /** The constructor Lambda calls. */
    public ListPodIdentityAssociationsHandler() {
        this(Composition.fromEnvironment().associations());
    }

    public ListPodIdentityAssociationsHandler(AssociationService service) {
        super(Route.LIST_POD_IDENTITY_ASSOCIATIONS);
        this.service = service;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        var page = service.list(request.path("name"), request.query("namespace"), request.query("serviceAccount"),
                request.queryInt("maxResults"), request.query("nextToken"));
        return WireFormat.summaries(page.items(), page.nextToken());
    }
}
