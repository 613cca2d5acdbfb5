package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Json;
import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import dev.podidentity.domain.Subject;
import dev.podidentity.service.ClusterService;
import java.util.List;

/**
 * GetWebhookIdentities: {@code GET /clusters/{name}/webhook-identities} answers every associated service account as
 * the file the stock amazon-eks-pod-identity-webhook watches ({@code --watch-container-credentials-config}):
 * {@code {"identities": [{"namespace", "serviceAccount"}]}}, sorted, each once.
 */
public final class GetWebhookIdentitiesHandler extends ApiHandler {
    private final ClusterService service;

    public GetWebhookIdentitiesHandler() {
        this(Composition.fromEnvironment().clusters());
    }

    public GetWebhookIdentitiesHandler(ClusterService service) {
        super(Route.GET_WEBHOOK_IDENTITIES);
        this.service = service;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        return identitiesFile(service.webhookIdentities(request.path("name")));
    }

    /** The stock webhook's file: {@code {"identities": [{"namespace", "serviceAccount"}]}}. */
    static ObjectNode identitiesFile(List<Subject> subjects) {
        ObjectNode body = Json.object();
        ArrayNode identities = body.putArray("identities");
        for (Subject s : subjects) {
            identities.addObject().put("namespace", s.namespace()).put("serviceAccount", s.serviceAccount());
        }
        return body;
    }
}
