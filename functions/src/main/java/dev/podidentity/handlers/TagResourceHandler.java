package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Json;
import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import dev.podidentity.service.TagService;

/** TagResource (POST /tags/{resourceArn+}: the greedy label takes the ARN whether its slashes arrive encoded or not). */
public final class TagResourceHandler extends ApiHandler {
    private final TagService service;

    /** The constructor Lambda calls. */
    public TagResourceHandler() {
        this(Composition.fromEnvironment().tags());
    }

    public TagResourceHandler(TagService service) {
        super(Route.TAG_RESOURCE);
        this.service = service;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        service.tag(request.path("resourceArn"), Json.optionalStringMap(request.body(), "tags"));
        return Json.object();
    }
}
