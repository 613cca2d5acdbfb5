package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Json;
import dev.podidentity.api.Route;
import dev.podidentity.api.WireFormat;
import dev.podidentity.config.Composition;
import dev.podidentity.service.AssociationService;

/** UpdatePodIdentityAssociation (POST /clusters/{name}/pod-identity-associations/{associationId}). */
public final class UpdatePodIdentityAssociationHandler extends ApiHandler {
    private final AssociationService service;

    /** The constructor Lambda calls. */
    public UpdatePodIdentityAssociationHandler() {
        this(Composition.fromEnvironment().associations());
    }

    public UpdatePodIdentityAssociationHandler(AssociationService service) {
        super(Route.UPDATE_POD_IDENTITY_ASSOCIATION);
        this.service = service;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        JsonNode body = request.body();
        return WireFormat.associationResponse(service.update(new dev.podidentity.service.UpdateAssociationRequest(
                request.path("name"),
                request.path("associationId"),
                Json.optionalString(body, "roleArn"),
                Json.optionalString(body, "clientRequestToken"),
                Json.optionalBoolean(body, "disableSessionTags"),
                Json.optionalString(body, "targetRoleArn"),
                Json.optionalString(body, "policy"),
                Json.optionalStringMap(body, "sessionTags"),
                Json.optionalString(body, "sessionNamePolicy")), request.callerArn()));
    }
}
