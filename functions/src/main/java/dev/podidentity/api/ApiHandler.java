package dev.podidentity.api;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.ServiceException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/**
 * The one place where API Gateway events become operations and outcomes become restJson1 responses: success is
 * 200 with a JSON body; a {@link ServiceException} is its status with {@code X-Amzn-ErrorType} and
 * {@code {"message"}}; anything else is the API's generic 500 with nothing of the cause echoed.
 * Request bodies are never logged (they may carry tokens).
 */
public abstract class ApiHandler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
    private static final Map<String, String> JSON_HEADERS = Map.of("Content-Type", "application/json");

    /** Runs the operation; answers the response body. */
    protected abstract JsonNode handle(ApiRequest request);

    /** The operation name, as in the service model. */
    protected abstract String operation();

    /** Called for every refused request (after mapping), e.g. to count STS refusals. */
    protected void onRefused(ServiceException e) {
    }

    /** The API's generic server error (EKS: ServerException; EKS Auth: InternalServerException). */
    protected ErrorCode serverError() {
        return ErrorCode.SERVER;
    }

    @Override
    public final APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        if (context == null) {
            return respond(event);
        }
        return PowertoolsLogging.withLogging(context, () -> respond(event));
    }

    /** The request/response cycle without the Lambda logging context (for priming and for local serving). */
    public final APIGatewayProxyResponseEvent respond(APIGatewayProxyRequestEvent event) {
        try {
            JsonNode body = handle(new ApiRequest(event));
            return new APIGatewayProxyResponseEvent().withStatusCode(200).withHeaders(JSON_HEADERS)
                    .withBody(Json.write(body));
        } catch (ServiceException e) {
            ErrorCode code = e.code();
            if (code == ErrorCode.SERVER || code == ErrorCode.INTERNAL_SERVER) {
                code = serverError();
            }
            if (code.httpStatus() >= 500) {
                LOG.error("{} failed: {} {}", operation(), code.wireName(), e.getMessage(), e.getCause());
            } else if (LOG.isInfoEnabled()) {
                LOG.info("{} refused: {} {}", operation(), code.wireName(), e.getMessage());
            }
            onRefused(e);
            return error(code, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("{} failed unexpectedly", operation(), e);
            return error(serverError(), "An internal error occurred; retry the request");
        }
    }

    public static APIGatewayProxyResponseEvent error(ErrorCode code, String message) {
        ObjectNode body = Json.object().put("message", message);
        return new APIGatewayProxyResponseEvent()
                .withStatusCode(code.httpStatus())
                .withHeaders(Map.of("Content-Type", "application/json", "X-Amzn-ErrorType", code.wireName()))
                .withBody(Json.write(body));
    }
}
