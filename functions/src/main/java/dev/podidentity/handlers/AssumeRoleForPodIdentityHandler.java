package dev.podidentity.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiRequest;
import dev.podidentity.api.Json;
import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.PodDeletedException;
import dev.podidentity.domain.StsRefusedException;
import dev.podidentity.service.CredentialService;
import dev.podidentity.service.token.PodTokenVerifier;
import software.amazon.lambda.powertools.metrics.MetricsFactory;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * AssumeRoleForPodIdentity (EKS Auth): {@code POST /clusters/{name}/assume-role-for-pod-identity} with
 * {@code {"token"}}. The token is the credential, so the route has no gateway authorization. Neither the token nor
 * the credentials are ever logged.
 */
public final class AssumeRoleForPodIdentityHandler extends ApiHandler {
    /** EMF count of tokens refused because their pod was deleted (its tombstone was found). */
    public static final String DELETED_POD_METRIC = "DeletedPodRefusals";
    private final CredentialService service;
    private final String metricsNamespace;

    /** The constructor Lambda calls. */
    public AssumeRoleForPodIdentityHandler() {
        this(Composition.fromEnvironment());
    }

    public AssumeRoleForPodIdentityHandler(Composition composition) {
        this(composition.credentials(), composition.settings().metricsNamespace());
    }

    public AssumeRoleForPodIdentityHandler(CredentialService service, String metricsNamespace) {
        super(Route.ASSUME_ROLE_FOR_POD_IDENTITY);
        this.service = service;
        this.metricsNamespace = metricsNamespace;
    }

    @Override
    protected ErrorCode serverError() {
        return ErrorCode.INTERNAL_SERVER;
    }

    @Override
    protected void onRefused(ServiceException e) {
        if (e instanceof StsRefusedException) {
            MetricsFactory.getMetricsInstance().flushSingleMetric("StsRefusals", 1, MetricUnit.COUNT, metricsNamespace);
        } else if (e instanceof PodDeletedException) {
            MetricsFactory.getMetricsInstance().flushSingleMetric(DELETED_POD_METRIC, 1, MetricUnit.COUNT, metricsNamespace);
        }
    }

    @Override
    protected JsonNode handle(ApiRequest request) {
        String cluster = request.path("name");
        String token = Json.optionalString(request.body(), "token");
        CredentialService.Result r = service.assume(cluster, token);
        ObjectNode body = Json.object();
        body.putObject("subject").put("namespace", r.pod().namespace()).put("serviceAccount", r.pod().serviceAccount());
        body.put("audience", PodTokenVerifier.AUDIENCE);
        body.putObject("podIdentityAssociation").put("associationArn", r.binding().associationArn())
                .put("associationId", r.binding().associationId());
        body.putObject("assumedRoleUser").put("arn", r.credentials().assumedRoleArn())
                .put("assumeRoleId", r.credentials().assumedRoleId());
        body.putObject("credentials")
                .put("accessKeyId", r.credentials().accessKeyId())
                .put("secretAccessKey", r.credentials().secretAccessKey())
                .put("sessionToken", r.credentials().sessionToken())
                .put("expiration", r.credentials().expiration().getEpochSecond());
        return body;
    }
}
