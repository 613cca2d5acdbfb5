package dev.podidentity.domain;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A registered Kubernetes cluster: its service-account token issuer and the public keys (JWKS, as JSON)
 * that verify its tokens. {@code associationCount} is maintained transactionally with associations.
 * {@code podTokenLifetimeSeconds} bounds the pod tokens it accepts (and the webhook injects);
 * {@code webhookKeyHash} is the SHA-256 of the admission webhook's key (never the key; null before one exists);
 * {@code webhookSyncServiceAccount} may read the webhook identities with a token of this cluster ({@link WebhookSync};
 * null: the default, {@link #syncServiceAccount()} resolves it).
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
        String webhookKeyHash,
        Subject webhookSyncServiceAccount) {

    public Cluster {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }

    /** A cluster with the default sync service account (the shape before issue 22). */
    public Cluster(String name, String arn, String issuer, String jwksJson, Map<String, String> tags, Instant createdAt,
                   Instant modifiedAt, int associationCount, long version, int podTokenLifetimeSeconds,
                   String webhookKeyHash) {
        this(name, arn, issuer, jwksJson, tags, createdAt, modifiedAt, associationCount, version, podTokenLifetimeSeconds,
                webhookKeyHash, null);
    }

    /** The service account whose tokens may read the webhook identities: the registered one, else the default. */
    public Subject syncServiceAccount() {
        return webhookSyncServiceAccount == null ? WebhookSync.DEFAULT_SERVICE_ACCOUNT : webhookSyncServiceAccount;
    }

    /** A cluster with the default token lifetime and no webhook key (the shape before issue 14). */
    public Cluster(String name, String arn, String issuer, String jwksJson, Map<String, String> tags, Instant createdAt,
                   Instant modifiedAt, int associationCount, long version) {
        this(name, arn, issuer, jwksJson, tags, createdAt, modifiedAt, associationCount, version,
                PodTokenLifetime.DEFAULT_SECONDS, null, null);
    }

    public Cluster withTags(Map<String, String> newTags, Instant now) {
        return new Cluster(name, arn, issuer, jwksJson, newTags, createdAt, now, associationCount, version,
                podTokenLifetimeSeconds, webhookKeyHash, webhookSyncServiceAccount);
    }

    /**
     * What registering {@code candidate} again makes of this stored cluster: the candidate's issuer, keys and
     * modification time, tags merged (InvalidParameter beyond {@link Tags#MAX_TAGS}), the candidate's lifetime when
     * {@code setLifetime}, its webhook key hash when {@code rotateKey} or when there is none yet, its sync service
     * account when it names one, the next version.
     */
    public Cluster reregistered(Cluster candidate, boolean setLifetime, boolean rotateKey) {
        Map<String, String> merged = new HashMap<>(tags);
        merged.putAll(candidate.tags());
        if (merged.size() > Tags.MAX_TAGS) {
            throw ServiceException.invalidParameter("cluster " + name + " would have " + merged.size()
                    + " tags: at most " + Tags.MAX_TAGS + " are allowed");
        }
        return new Cluster(name, arn, candidate.issuer(), candidate.jwksJson(), merged, createdAt, candidate.modifiedAt(),
                associationCount, version + 1, setLifetime ? candidate.podTokenLifetimeSeconds() : podTokenLifetimeSeconds,
                rotateKey || webhookKeyHash == null ? candidate.webhookKeyHash() : webhookKeyHash,
                candidate.webhookSyncServiceAccount() != null ? candidate.webhookSyncServiceAccount() : webhookSyncServiceAccount);
    }
}
