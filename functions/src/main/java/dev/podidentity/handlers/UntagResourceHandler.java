package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Priming;
import dev.podidentity.api.Json;
import dev.podidentity.config.Composition;
import dev.podidentity.service.TagService;

/** UntagResource (DELETE /tags/{resourceArn+}?tagKeys=...). */
public final class UntagResourceHandler extends ApiHandler {
    private final TagService service;

    /** The constructor Lambda calls; registers the handler for SnapStart priming. */
    public UntagResourceHandler() {
        this(Composition.fromEnvironment().tags());
        Priming.register(this);
    }

    public UntagResourceHandler(TagService service) {
        this.service = service;
    }

    @Override
    protected String operation() {
        return "UntagResource";
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        service.untag(request.path("resourceArn"), request.queryAll("tagKeys"));
        return Json.object();
    }
}
