package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Priming;
import dev.podidentity.api.Json;
import dev.podidentity.config.Composition;
import dev.podidentity.service.TagService;

/** ListTagsForResource (GET /tags/{resourceArn+}). */
public final class ListTagsForResourceHandler extends ApiHandler {
    private final TagService service;

    /** The constructor Lambda calls; registers the handler for SnapStart priming. */
    public ListTagsForResourceHandler() {
        this(Composition.fromEnvironment().tags());
        Priming.register(this);
    }

    public ListTagsForResourceHandler(TagService service) {
        this.service = service;
    }

    @Override
    protected String operation() {
        return "ListTagsForResource";
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        var tags = Json.object();
        tags.set("tags", Json.stringMap(service.list(request.path("resourceArn"))));
        return tags;
    }
}
