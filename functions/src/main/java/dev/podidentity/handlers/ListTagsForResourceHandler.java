package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Json;
import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import dev.podidentity.service.TagService;

/** ListTagsForResource (GET /tags/{resourceArn+}). */
public final class ListTagsForResourceHandler extends ApiHandler {
    private final TagService service;

    /** The constructor Lambda calls. */
    public ListTagsForResourceHandler() {
        this(Composition.fromEnvironment().tags());
    }

    public ListTagsForResourceHandler(TagService service) {
        super(Route.LIST_TAGS_FOR_RESOURCE);
        this.service = service;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        var tags = Json.object();
        tags.set("tags", Json.stringMap(service.list(request.path("resourceArn"))));
        return tags;
    }
}
