package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Json;
import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import dev.podidentity.service.WebhookSyncService;

/**
 * SyncWebhookIdentities: {@code POST /clusters/{name}/webhook-identities} with {@code {"token"}}, a projected token
 * of the cluster's sync service account (audience {@code pod-identity.dev/webhook-sync}), answers what
 * GetWebhookIdentities answers: the stock webhook's identities file. The token is never logged.
 */
public final class SyncWebhookIdentitiesHandler extends ApiHandler {
    private final WebhookSyncService service;

    public SyncWebhookIdentitiesHandler() {
        this(Composition.fromEnvironment().webhookSync());
    }

    public SyncWebhookIdentitiesHandler(WebhookSyncService service) {
        super(Route.SYNC_WEBHOOK_IDENTITIES);
        this.service = service;
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        return GetWebhookIdentitiesHandler.identitiesFile(
                service.identities(request.path("name"), Json.optionalString(request.body(), "token")));
    }
}
