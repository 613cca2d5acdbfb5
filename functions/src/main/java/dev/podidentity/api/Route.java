package dev.podidentity.api;

import java.util.List;
import dev.podidentity.config.Composition;
import java.util.function.Function;

/**
 * One API operation: how it is reached (method, path template with {@code {label}}s), which handler class runs it,
 * how API Gateway authorizes it, and how to build the handler around an existing composition.
 */
public record Route(
        String operation,
        String method,
        String pathTemplate,
        Class<? extends ApiHandler> handlerClass,
        Authorization authorization,
        Function<Composition, ? extends ApiHandler> factory) {

    /** The Lambda handler string, as CloudFormation and {@code sam local invoke} want it. */
    public String lambdaHandler() {
        return handlerClass.getName() + "::handleRequest";
    }

    public List<String> segments() {
        return List.of(pathTemplate.substring(1).split("/"));
    }
}
