package dev.podidentity.domain;

import java.time.Instant;
import java.util.Map;

/**
 * A registered Kubernetes cluster: its service-account token issuer and the public keys (JWKS, as JSON)
 * that verify its tokens. {@code associationCount} is maintained transactionally with associations.
 * {@code podTokenLifetimeSeconds} bounds the pod tokens it accepts (and the webhook injects);
 * {@code webhookKeyHash} is the SHA-256 of the admission webhook's key (never the key; null before one exists).
 */
public record Cluster(
        String name,
        String arn,
        String issuer,
        String jwksJson,
        Map<String, String> tags,
        Instant createdAt,
        Instant modifiedAt,
        int associationCount,
        long version,
        int podTokenLifetimeSeconds,
        String webhookKeyHash) {

    public Cluster {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }

    /** A cluster with the default token lifetime and no webhook key (the shape before issue 14). */
    public Cluster(String name, String arn, String issuer, String jwksJson, Map<String, String> tags, Instant createdAt,
                   Instant modifiedAt, int associationCount, long version) {
        this(name, arn, issuer, jwksJson, tags, createdAt, modifiedAt, associationCount, version,
                PodTokenLifetime.DEFAULT_SECONDS, null);
    }

    public Cluster withTags(Map<String, String> newTags, Instant now) {
        return new Cluster(name, arn, issuer, jwksJson, newTags, createdAt, now, associationCount, version,
                podTokenLifetimeSeconds, webhookKeyHash);
    }
}
