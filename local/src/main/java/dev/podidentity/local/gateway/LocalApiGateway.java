package dev.podidentity.local.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.Authorization;
import dev.podidentity.api.Route;
import dev.podidentity.local.Http;
import dev.podidentity.local.aws.SigV4Exception;
import dev.podidentity.local.aws.SigV4Verifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * A local API Gateway (REST API, Lambda proxy integration): resolves the resource and method from the route table as
 * API Gateway does ({@link ResourceMatcher}: decode once, then match; 403 "Missing Authentication Token" when none), verifies SigV4
 * for {@code execute-api} on AWS_IAM routes and that the caller's IAM policies allow {@code execute-api:Invoke} on the
 * method before any handler runs (403 with API Gateway's messages otherwise),
 * builds the same v1 proxy event API Gateway would (with {@code requestContext.identity} of the signed caller),
 * runs the handler as Lambda runs a stream handler, and answers its response.
 */
public final class LocalApiGateway implements AutoCloseable {
    static final int MAX_BODY = 10 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    /** Decides whether a signed caller may {@code execute-api:Invoke} a method ARN (its IAM policies). */
    public interface Authorizer {
        boolean allows(dev.podidentity.local.aws.Principal caller, String action, String resourceArn);
    }

    private final ResourceMatcher<Route> resources;
    private final Map<Route, ApiHandler> handlers = new LinkedHashMap<>();
    private final SigV4Verifier verifier;
    private final String accountId;
    private final String partition;
    private final String region;
    private final Authorizer authorizer;
    private final java.util.concurrent.atomic.AtomicLong invocations = new java.util.concurrent.atomic.AtomicLong();
    private HttpServer server;

    public LocalApiGateway(List<Route> routes, Function<Route, ApiHandler> handlerFactory, SigV4Verifier verifier,
                           Authorizer authorizer, String partition, String region, String accountId) {
        this.resources = ResourceMatcher.of(routes);
        this.verifier = verifier;
        this.authorizer = authorizer;
        this.partition = partition;
        this.region = region;
        this.accountId = accountId;
        routes.forEach(r -> handlers.put(r, handlerFactory.apply(r)));
    }

    public LocalApiGateway start(int port) throws IOException {
        return start(port, null);
    }

    /** Starts serving on 127.0.0.1; over https with {@code tls} when it is not null. */
    public LocalApiGateway start(int port, javax.net.ssl.SSLContext tls) throws IOException {
        server = Http.serve(port, tls, this::handle);
        return this;
    }

    private String scheme() {
        return server instanceof com.sun.net.httpserver.HttpsServer ? "https" : "http";
    }

    public String url() {
        return scheme() + "://127.0.0.1:" + server.getAddress().getPort();
    }

    /** How many times a handler ran (tests prove refused requests never reach one). */
    public long invocations() {
        return invocations.get();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        byte[] body = Http.readBody(exchange, MAX_BODY);
        if (body == null) {
            reply(exchange, 413, requestId, "RequestTooLarge", "Request Too Long");
            return;
        }
        String method = exchange.getRequestMethod();
        String rawPath = exchange.getRequestURI().getRawPath();
        String rawQuery = exchange.getRequestURI().getRawQuery();
        ResourceMatcher.Match<Route> match = resources.match(method, rawPath);
        if (match == null) {
            reply(exchange, 403, requestId, "MissingAuthenticationTokenException", "Missing Authentication Token");
            return;
        }
        SigV4Verifier.Verified caller = null;
        if (match.route().authorization() == Authorization.AWS_IAM) {
            try {
                caller = verifier.verify(new SigV4Verifier.Request(method, exchange.getRequestHeaders().getFirst("Host"),
                        rawPath, rawQuery, exchange.getRequestHeaders(), body), Set.of("execute-api"), region);
            } catch (SigV4Exception e) {
                reply(exchange, e.status(), requestId, e.errorType(), e.getMessage());
                return;
            }
            String methodArn = "arn:" + partition + ":execute-api:" + region + ":" + accountId + ":local/local/" + method
                    + rawPath;
            if (!authorizer.allows(caller.credentials().principal(), "execute-api:Invoke", methodArn)) {
                Map<String, String> headers = Map.of("Content-Type", "application/json", "x-amzn-RequestId", requestId,
                        "x-amzn-ErrorType", "AccessDeniedException");
                Http.send(exchange, 403, headers, JSON.writeValueAsBytes(JSON.createObjectNode().put("Message",
                        "User: " + caller.credentials().principal().arn() + " is not authorized to perform:"
                                + " execute-api:Invoke on resource: " + methodArn)));
                return;
            }
        }
        String event = event(exchange, match, rawPath, rawQuery, body, caller, requestId);
        String responseJson;
        invocations.incrementAndGet();
        try {
            responseJson = LambdaInvoker.invoke(handlers.get(match.route()), event,
                    LocalContext.of(requestId, match.route().operation()));
        } catch (RuntimeException e) {
            System.err.println("local gateway: handler " + match.route().operation() + " failed: " + e);
            reply(exchange, 502, requestId, null, "Internal server error");
            return;
        }
        JsonNode response = JSON.readTree(responseJson);
        Map<String, String> headers = new HashMap<>();
        response.path("headers").properties().forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
        headers.put("x-amzn-RequestId", requestId);
        String text = response.path("body").isNull() ? "" : response.path("body").asText("");
        Http.send(exchange, response.path("statusCode").asInt(502), headers, text.getBytes(StandardCharsets.UTF_8));
    }

    private String event(HttpExchange exchange, ResourceMatcher.Match<Route> match, String rawPath, String rawQuery, byte[] body,
                         SigV4Verifier.Verified caller, String requestId) throws IOException {
        ObjectNode event = JSON.createObjectNode();
        event.put("resource", match.route().pathTemplate());
        event.put("path", rawPath);
        event.put("httpMethod", exchange.getRequestMethod());
        ObjectNode headers = event.putObject("headers");
        ObjectNode multiHeaders = event.putObject("multiValueHeaders");
        exchange.getRequestHeaders().forEach((name, values) -> {
            headers.put(name, values.get(values.size() - 1));
            values.forEach(v -> multiHeaders.withArray(name).add(v));
        });
        // as API Gateway adds them (the scheme the client used: webhookUrl follows it)
        headers.put("X-Forwarded-Proto", scheme());
        multiHeaders.putArray("X-Forwarded-Proto").add(scheme());
        Map<String, List<String>> query = new LinkedHashMap<>();
        for (Map.Entry<String, String> pair : Http.queryPairs(rawQuery, Http.Plus.LITERAL)) {
            query.computeIfAbsent(pair.getKey(), x -> new ArrayList<>()).add(pair.getValue());
        }
        if (query.isEmpty()) {
            event.putNull("queryStringParameters");
            event.putNull("multiValueQueryStringParameters");
        } else {
            ObjectNode single = event.putObject("queryStringParameters");
            ObjectNode multi = event.putObject("multiValueQueryStringParameters");
            query.forEach((k, vs) -> {
                single.put(k, vs.get(vs.size() - 1));
                vs.forEach(v -> multi.withArray(k).add(v));
            });
        }
        ObjectNode params = event.putObject("pathParameters");
        match.pathParameters().forEach(params::put);
        event.putNull("stageVariables");
        ObjectNode context = event.putObject("requestContext");
        context.put("accountId", accountId);
        context.put("apiId", "local");
        context.put("resourceId", Integer.toHexString(match.route().pathTemplate().hashCode()));
        context.put("resourcePath", match.route().pathTemplate());
        context.put("httpMethod", exchange.getRequestMethod());
        context.put("operationName", match.route().operation());
        context.put("requestId", requestId);
        context.put("extendedRequestId", requestId);
        // the local API serves at its root, as a custom domain without a base path: no stage in the URL
        context.put("path", rawPath);
        String host = exchange.getRequestHeaders().getFirst("Host");
        context.put("domainName", host != null ? host : "127.0.0.1:" + server.getAddress().getPort());
        context.put("stage", "local");
        context.put("protocol", "HTTP/1.1");
        Instant now = Instant.now();
        context.put("requestTime", REQUEST_TIME.format(now));
        context.put("requestTimeEpoch", now.toEpochMilli());
        ObjectNode identity = context.putObject("identity");
        identity.put("sourceIp", exchange.getRemoteAddress().getAddress().getHostAddress());
        identity.put("userAgent", exchange.getRequestHeaders().getFirst("User-Agent"));
        if (caller != null) {
            var principal = caller.credentials().principal();
            identity.put("accessKey", caller.credentials().accessKeyId());
            identity.put("accountId", principal.accountId());
            identity.put("caller", principal.userId());
            identity.put("user", principal.userId());
            identity.put("userArn", principal.arn());
        }
        if (body.length == 0) {
            event.putNull("body");
        } else {
            event.put("body", new String(body, StandardCharsets.UTF_8));
        }
        event.put("isBase64Encoded", false);
        return JSON.writeValueAsString(event);
    }

    private static void reply(HttpExchange exchange, int status, String requestId, String type, String message)
            throws IOException {
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("x-amzn-RequestId", requestId);
        if (type != null) {
            headers.put("x-amzn-ErrorType", type);
        }
        Http.send(exchange, status, headers, JSON.writeValueAsBytes(JSON.createObjectNode().put("message", message)));
    }
}
