package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Json;
import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import dev.podidentity.service.TagService;

/** UntagResource (DELETE /tags/{resourceArn+}?tagKeys=...). */
public final class UntagResourceHandler extends ApiHandler {
    private final TagService service;

    /** The constructor Lambda calls. */
    public UntagResourceHandler() {
        this(Composition.fromEnvironment().tags());
    }

    public UntagResourceHandler(TagService service) {
        super(Route.UNTAG_RESOURCE);
        this.service = service;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        service.untag(request.path("resourceArn"), request.queryAll("tagKeys"));
        return Json.object();
    }
}
