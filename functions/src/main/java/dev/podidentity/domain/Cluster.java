package dev.podidentity.domain;

import java.time.Instant;
import java.util.Map;

/**
 * A registered Kubernetes cluster: its service-account token issuer and the public keys (JWKS, as JSON)
 * that verify its tokens. {@code associationCount} is maintained transactionally with associations.
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
        long version) {

    public Cluster {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }

    public Cluster withTags(Map<String, String> newTags, Instant now) {
        return new Cluster(name, arn, issuer, jwksJson, newTags, createdAt, now, associationCount, version);
    }
}
