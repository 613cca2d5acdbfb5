package dev.podidentity.service;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.ServiceIdentity;
import dev.podidentity.testing.InMemoryStore;
import dev.podidentity.testing.MovableClock;
import dev.podidentity.testing.PodTokens;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/** What the service unit tests share: the in-memory store on a movable clock, and clusters registered through ClusterService. */
final class ServiceFixture {
    static final String ACCOUNT = "111122223333";
    static final ServiceIdentity IDENTITY = new ServiceIdentity("aws", "us-east-1", ACCOUNT);
    static final Instant START = Instant.parse("2026-11-29T12:00:00Z");
    static final String ISSUER = "https://oidc.example/prod";
    /** The signing key of every cluster the fixture registers (generated once: RSA generation is slow). */
    static final RSAKey SIGNING_KEY = PodTokens.rsaKey("k1");

    final MovableClock clock = new MovableClock(START);
    final InMemoryStore store = new InMemoryStore(clock);
    final PageTokens pageTokens = new PageTokens("unit-test-key".getBytes(StandardCharsets.UTF_8));
    final ClusterService clusters = new ClusterService(store, IDENTITY, pageTokens, clock);

    Cluster cluster(String name) {
        return cluster(name, SIGNING_KEY);
    }

    Cluster cluster(String name, RSAKey... keys) {
        JWKSet set = new JWKSet(java.util.Arrays.stream(keys).map(k -> (com.nimbusds.jose.jwk.JWK) k.toPublicJWK()).toList());
        return clusters.register(name, ISSUER, set.toString(), Map.of());
    }
}
