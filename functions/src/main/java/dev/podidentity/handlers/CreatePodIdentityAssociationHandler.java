package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Json;
import dev.podidentity.api.Route;
import dev.podidentity.api.WireFormat;
import dev.podidentity.config.Composition;
import dev.podidentity.service.AssociationService;

/** CreatePodIdentityAssociation (POST /clusters/{name}/pod-identity-associations). */
public final class CreatePodIdentityAssociationHandler extends ApiHandler {
    private final AssociationService service;

    /** The constructor Lambda calls. */
    public CreatePodIdentityAssociationHandler() {
        this(Composition.fromEnvironment().associations());
    }

    public CreatePodIdentityAssociationHandler(AssociationService service) {
        super(Route.CREATE_POD_IDENTITY_ASSOCIATION);
        this.service = service;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        JsonNode body = request.body();
        return WireFormat.associationResponse(service.create(new dev.podidentity.service.CreateAssociationRequest(
                request.path("name"),
                Json.optionalString(body, "namespace"),
                Json.optionalString(body, "serviceAccount"),
                Json.optionalString(body, "roleArn"),
                Json.optionalString(body, "clientRequestToken"),
                Json.optionalStringMap(body, "tags"),
                Json.optionalBoolean(body, "disableSessionTags"),
                Json.optionalString(body, "targetRoleArn"),
                Json.optionalString(body, "policy"),
                Json.optionalStringMap(body, "sessionTags"),
                Json.optionalString(body, "sessionNamePolicy")), request.callerArn()));
    }
}
