package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Priming;
import dev.podidentity.api.WireFormat;
import dev.podidentity.config.Composition;
import dev.podidentity.service.AssociationService;

/** ListPodIdentityAssociations (GET /clusters/{name}/pod-identity-associations). */
public final class ListPodIdentityAssociationsHandler extends ApiHandler {
    private final AssociationService service;

    /** The constructor Lambda calls; registers the handler for SnapStart priming. */
    public ListPodIdentityAssociationsHandler() {
        this(Composition.fromEnvironment().associations());
        Priming.register(this);
    }

    public ListPodIdentityAssociationsHandler(AssociationService service) {
        this.service = service;
    }

    @Override
    protected String operation() {
        return "ListPodIdentityAssociations";
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        var page = service.list(request.path("name"), request.query("namespace"), request.query("serviceAccount"),
                request.queryInt("maxResults"), request.query("nextToken"));
        return WireFormat.summaries(page.items(), page.nextToken());
    }
}
