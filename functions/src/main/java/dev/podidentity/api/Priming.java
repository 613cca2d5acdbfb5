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
import java.util.concurrent.CopyOnWriteArrayList;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SnapStart priming through CRaC hooks: before Lambda snapshots an initialized function, each handler serves three
 * harmless requests (about a cluster that cannot exist: RegisterCluster and DeleteCluster refuse its name), so SDK clients, their marshallers, the HTTP client,
 * JSON, logging and JWT verification are loaded and compiled in the snapshot rather than on the first pod's request.
 * On a JVM without CRaC the hooks are never called.
 */
public final class Priming implements Resource {
    public static final String CLUSTER = dev.podidentity.domain.ClusterName.RESERVED;
    private static final Logger LOG = LoggerFactory.getLogger(Priming.class);
    /** CRaC holds resources weakly; keep them alive. */
    private static final List<Priming> REGISTERED = new CopyOnWriteArrayList<>();

    private final ApiHandler handler;

    private Priming(ApiHandler handler) {
        this.handler = handler;
    }

    /**
     * Registers a handler for priming before the snapshot. Called by each handler's no-arg constructor, the one the
     * Lambda runtime uses (after the handler is fully built), so handlers built around another composition (the
     * local stack, tests, benchmarks) are never registered nor kept alive here.
     */
    public static void register(ApiHandler handler) {
        Priming priming = new Priming(handler);
        REGISTERED.add(priming);
        Core.getGlobalContext().register(priming);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        long start = System.nanoTime();
        List<ApiResponse> responses = handler.prime();
        LOG.info("primed {} in {} ms, answers {}", handler.operation(), (System.nanoTime() - start) / 1_000_000,
                responses.stream().map(ApiResponse::statusCode).toList());
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // nothing to rebuild: clients re-open connections on demand and credentials come from the container provider
    }

    /** A proxy event that changes nothing: every label names things that do not exist. */
    static JsonNode event() {
        ObjectNode event = Json.object().put("httpMethod", "GET").put("resource", "/priming").put("path", "/priming");
        event.putObject("pathParameters")
                .put("name", CLUSTER)
                .put("associationId", "a-00000000000000000")
                .put("webhookKey", "priming")
                .put("resourceArn", "arn:aws:eks:us-east-1:000000000000:cluster/" + CLUSTER);
        event.putNull("queryStringParameters");
        event.putObject("requestContext").put("requestId", "priming").putObject("identity")
                .put("userArn", "arn:aws:iam::000000000000:user/priming");
        event.put("body", "{\"token\":\"e30.e30.e30\"}");
        return event;
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
