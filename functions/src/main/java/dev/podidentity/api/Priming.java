package dev.podidentity.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.podidentity.service.token.PodTokenVerifier;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SnapStart priming through CRaC hooks: before Lambda snapshots an initialized function, its handler serves three
 * harmless requests (about a cluster that cannot exist: RegisterCluster and DeleteCluster refuse its name), so SDK clients, their marshallers, the HTTP client,
 * JSON, logging and JWT verification are loaded and compiled in the snapshot rather than on the first pod's request.
 * On a JVM without CRaC the hooks are never called.
 *
 * <p>Nothing here is per route: the function's route comes from the handler Lambda runs ({@code _HANDLER}), the
 * priming event from the route's method and path template, and the handler from its no-arg constructor.
 */
public final class Priming implements Resource {
    public static final String CLUSTER = dev.podidentity.domain.ClusterName.RESERVED;
    private static final Logger LOG = LoggerFactory.getLogger(Priming.class);
    /** CRaC holds resources weakly; keep them alive. */
    private static final List<Priming> REGISTERED = new CopyOnWriteArrayList<>();

    private final Route route;

    private Priming(Route route) {
        this.route = route;
    }

    /**
     * Registers the function's route for priming before the snapshot, given Lambda's handler string
     * ({@code _HANDLER}, e.g. {@code dev.podidentity.handlers.DescribeClusterHandler::handleRequest}). Does nothing
     * without one (the local stack, tests, benchmarks) or for a handler that serves no route.
     */
    static void registerFunction(String lambdaHandler) {
        routeOf(lambdaHandler).ifPresent(route -> {
            Priming priming = new Priming(route);
            REGISTERED.add(priming);
            Core.getGlobalContext().register(priming);
        });
    }

    /** The route whose handler Lambda runs, from its handler string (with or without {@code ::handleRequest}). */
    static Optional<Route> routeOf(String lambdaHandler) {
        if (lambdaHandler == null) {
            return Optional.empty();
        }
        return Route.all().stream()
                .filter(r -> r.lambdaHandler().equals(lambdaHandler) || r.handlerClassName().equals(lambdaHandler))
                .findFirst();
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        long start = System.nanoTime();
        try {
            // the handler as Lambda builds it: its no-arg constructor, around this environment's composition
            ApiHandler handler = Class.forName(route.handlerClassName()).asSubclass(ApiHandler.class)
                    .getConstructor().newInstance();
            List<ApiResponse> responses = handler.prime();
            LOG.info("primed {} in {} ms, answers {}", route.operation(), (System.nanoTime() - start) / 1_000_000,
                    responses.stream().map(ApiResponse::statusCode).toList());
        } catch (ReflectiveOperationException e) {
            LOG.warn("priming {} failed: {}", route.operation(), e.toString());
        }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // nothing to rebuild: clients re-open connections on demand and credentials come from the container provider
    }

    /**
     * A proxy event for the route that changes nothing, built from its method and path template: every path label
     * (whatever the template names) gets a value no data has, so the request runs the route's whole path up to the
     * data store and answers "not found" (or, for AdmitPod, "access denied").
     */
    public static JsonNode event(Route route) {
        ObjectNode event = Json.object().put("httpMethod", route.method()).put("resource", route.pathTemplate());
        ObjectNode parameters = Json.object();
        StringBuilder path = new StringBuilder();
        for (String segment : route.segments()) {
            path.append('/');
            if (segment.startsWith("{")) {
                String label = segment.substring(1, segment.length() - (segment.endsWith("+}") ? 2 : 1));
                String value = labelValue(label);
                parameters.put(label, value);
                path.append(value);
            } else {
                path.append(segment);
            }
        }
        event.put("path", path.toString());
        if (parameters.isEmpty()) {
            event.putNull("pathParameters");
        } else {
            event.set("pathParameters", parameters);
        }
        // query parameters a route may require (UntagResource's tagKeys); the others ignore them
        event.putObject("queryStringParameters").put("tagKeys", CLUSTER);
        event.putObject("multiValueQueryStringParameters").putArray("tagKeys").add(CLUSTER);
        ObjectNode requestContext = event.putObject("requestContext").put("requestId", "priming")
                .put("resourcePath", route.pathTemplate()).put("httpMethod", route.method())
                .put("operationName", route.operation());
        requestContext.putObject("identity").put("userArn", "arn:aws:iam::000000000000:user/priming");
        event.put("body", PRIMING_BODY);
        return event;
    }

    /**
     * One body for every route, valid in shape for each that needs the cluster to exist (an association, a token, tags),
     * so those reach the data and find no cluster. RegisterCluster, which creates what it does not find, stops at its
     * validation (no issuer): priming must write nothing.
     */
    static final String PRIMING_BODY = Json.write(Json.object().put("namespace", "default").put("serviceAccount", CLUSTER)
            .put("roleArn", "arn:aws:iam::000000000000:role/" + CLUSTER).put("token", "e30.e30.e30")
            .set("tags", Json.object().put(CLUSTER, CLUSTER)));

    /** A value of the label's shape that no data has: ids and ARNs as the service validates them, names otherwise. */
    private static String labelValue(String label) {
        return switch (label) {
            case "associationId" -> "a-00000000000000000";
            case "resourceArn" -> "arn:aws:eks:us-east-1:000000000000:cluster/" + CLUSTER;
            default -> CLUSTER;
        };
    }

    /** Signs and verifies one token so Nimbus, the JCA providers and the verifier's paths are warm. */
    static void warmTokenVerification() {
        try {
            RSAKey key = new RSAKeyGenerator(2048).keyID("priming").generate();
            Instant now = Instant.now();
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("priming").build(),
                    new JWTClaimsSet.Builder().issuer("https://priming").subject("system:serviceaccount:ns:sa")
                            .audience(PodTokenVerifier.AUDIENCE).issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600)))
                            .claim("kubernetes.io", Map.of("namespace", "ns", "pod", Map.of("name", "p", "uid", "u"),
                                    "serviceaccount", Map.of("name", "sa"))).build());
            jwt.sign(new RSASSASigner(key));
            PodTokenVerifier.verify(jwt.serialize(), "https://priming", new JWKSet(key.toPublicJWK()), now);
        } catch (Exception e) {
            LOG.warn("token verification priming failed: {}", e.toString());
        }
    }
}
