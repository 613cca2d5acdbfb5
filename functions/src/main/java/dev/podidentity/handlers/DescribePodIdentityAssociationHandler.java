package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Route;
import dev.podidentity.api.WireFormat;
import dev.podidentity.config.Composition;
import dev.podidentity.service.AssociationService;

/** DescribePodIdentityAssociation (GET /clusters/{name}/pod-identity-associations/{associationId}). */
public final class DescribePodIdentityAssociationHandler extends ApiHandler {
    private final AssociationService service;

    /** The constructor Lambda calls. */
    public DescribePodIdentityAssociationHandler() {
        this(Composition.fromEnvironment().associations());
    }

    public DescribePodIdentityAssociationHandler(AssociationService service) {
        super(Route.DESCRIBE_POD_IDENTITY_ASSOCIATION);
        this.service = service;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        return WireFormat.associationResponse(service.describe(request.path("name"), request.path("associationId")));
    }
}
