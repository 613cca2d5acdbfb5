package dev.podidentity.api;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.ServiceException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/**
 * The one place where API Gateway events become operations and outcomes become restJson1 responses: success is
 * 200 with a JSON body; a {@link ServiceException} is its status with {@code X-Amzn-ErrorType} and
 * {@code {"message"}}; anything else is the API's generic 500 with nothing of the cause echoed.
 *
 * <p>Handlers are {@link RequestStreamHandler}s: the proxy event is read with the same Jackson tree model as the
 * bodies, instead of the runtime's reflective event deserialization (measured: about 180 ms less cold start, and no
 * events library in the package). Request bodies are never logged (they may carry tokens); a successful request
 * logs nothing.
 */
public abstract class ApiHandler implements RequestStreamHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
    private static final Map<String, String> JSON_HEADERS = Map.of("Content-Type", "application/json");

    static {
        // In Lambda (the runtime names the function's handler in _HANDLER), the function's route is primed before a
        // SnapStart snapshot; anywhere else (local stack, tests, benchmark) nothing is registered.
        Priming.registerFunction(System.getenv("_HANDLER"));
    }

    private final Route route;

    /** A handler serves exactly one route: its operation name, priming event and logs come from it. */
    protected ApiHandler(Route route) {
        this.route = route;
    }

    /** Runs the operation; answers the response body. */
    protected abstract JsonNode handle(ApiRequest request);

    /** The route this handler serves. */
    public final Route route() {
        return route;
    }

    /** The operation name, as in the service model (the route's). */
    protected final String operation() {
        return route.operation();
    }

    /** The API's generic server error (EKS: ServerException; EKS Auth: InternalServerException). */
    protected ErrorCode serverError() {
        return ErrorCode.SERVER;
    }

    /**
     * Warms this handler before a SnapStart snapshot: SDK clients of the execution environment, token verification,
     * and the request path with a harmless event. Never changes data. Answers the responses to the priming requests.
     */
    public final List<ApiResponse> prime() {
        dev.podidentity.config.Composition.primeEnvironment();
        Priming.warmTokenVerification();
        List<ApiResponse> responses = new ArrayList<>(3);
        for (int i = 0; i < 3; i++) {
            responses.add(respond(Priming.event(route)));
        }
        return responses;
    }

    /** The response to a refused request: restJson1's error shape; a handler whose callers expect another overrides it. */
    protected ApiResponse refusal(ErrorCode code, ServiceException e) {
        return error(code, e.getMessage());
    }

    /** Called for every refused request (after mapping), e.g. to count STS refusals. */
    protected void onRefused(ServiceException e) {
    }

    @Override
    public final void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode event;
        try {
            event = Json.MAPPER.readTree(input);
        } catch (IOException e) {
            event = null;
        }
        JsonNode request = event;
        ApiResponse response = request == null || !request.isObject()
                ? error(serverError(), "The function received an event that is not an API Gateway proxy event")
                : context == null ? respond(request) : PowertoolsLogging.withLogging(context, () -> respond(request));
        try (JsonGenerator out = Json.MAPPER.createGenerator(output)) {
            Json.MAPPER.writeTree(out, response.toJson());
        }
    }

    /** The request/response cycle for one proxy event (also used for SnapStart priming and benchmarks). */
    public final ApiResponse respond(JsonNode event) {
        try {
            JsonNode body = handle(new ApiRequest(event));
            return new ApiResponse(200, JSON_HEADERS, Json.write(body));
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
            return refusal(code, e);
        } catch (RuntimeException e) {
            LOG.error("{} failed unexpectedly", operation(), e);
            return error(serverError(), "An internal error occurred; retry the request");
        }
    }

    public static ApiResponse error(ErrorCode code, String message) {
        return error(code, Json.object().put("message", message));
    }

    /** An error response with its status and {@code X-Amzn-ErrorType}, and a body that carries more than the message. */
    public static ApiResponse error(ErrorCode code, ObjectNode body) {
        return new ApiResponse(code.httpStatus(),
                Map.of("Content-Type", "application/json", "X-Amzn-ErrorType", code.wireName()), Json.write(body));
    }
}
