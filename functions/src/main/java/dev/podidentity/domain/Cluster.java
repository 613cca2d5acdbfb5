package dev.podidentity.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A registered Kubernetes cluster: its service-account token issuer and the public keys (JWKS, as JSON)
 * that verify its tokens. {@code associationCount} is maintained transactionally with associations.
 * {@code podTokenLifetimeSeconds} bounds the pod tokens it accepts (and the webhook injects);
 * {@code webhookKeyHash} is the SHA-256 of the admission webhook's key (never the key; null before one exists).
 * {@code ipFamily} (null: ipv4) picks the credentials URI the webhook injects; {@code region} (null: the service's
 * region) the AWS_REGION it injects. After the lifetime was lowered, tokens up to
 * {@code previousPodTokenLifetimeSeconds} stay accepted until {@code podTokenLifetimeEffectiveAt} (null: no change
 * pending), when every token issued under the previous limit has expired.
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
        IpFamily ipFamily,
        String region,
        int previousPodTokenLifetimeSeconds,
        Instant podTokenLifetimeEffectiveAt,
        Subject webhookSyncServiceAccount) {

    /**
     * How long after a lowering the previous limit is still honoured beyond the previous lifetime itself: the
     * webhook's settings cache (pods admitted in the 30 s after the change still get the previous lifetime) plus the
     * token verifier's clock skew (60 s).
     */
    public static final Duration LIFETIME_CHANGE_MARGIN = Duration.ofSeconds(90);

    public Cluster {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        if (podTokenLifetimeEffectiveAt == null) {
            previousPodTokenLifetimeSeconds = 0;
        }
    }

    /** A cluster with the default sync service account (the shape before issue 22). */
    public Cluster(String name, String arn, String issuer, String jwksJson, Map<String, String> tags, Instant createdAt,
                   Instant modifiedAt, int associationCount, long version, int podTokenLifetimeSeconds,
                   String webhookKeyHash, IpFamily ipFamily, String region, int previousPodTokenLifetimeSeconds,
                   Instant podTokenLifetimeEffectiveAt) {
        this(name, arn, issuer, jwksJson, tags, createdAt, modifiedAt, associationCount, version,
                podTokenLifetimeSeconds, webhookKeyHash, ipFamily, region, previousPodTokenLifetimeSeconds,
                podTokenLifetimeEffectiveAt, null);
    }

    /** A cluster with the webhook settings at their defaults and no lifetime change pending. */
    public Cluster(String name, String arn, String issuer, String jwksJson, Map<String, String> tags, Instant createdAt,
                   Instant modifiedAt, int associationCount, long version, int podTokenLifetimeSeconds,
                   String webhookKeyHash) {
        this(name, arn, issuer, jwksJson, tags, createdAt, modifiedAt, associationCount, version,
                podTokenLifetimeSeconds, webhookKeyHash, null, null, 0, null, null);
    }

    /** A cluster with the default token lifetime and no webhook key (the shape before issue 14). */
    public Cluster(String name, String arn, String issuer, String jwksJson, Map<String, String> tags, Instant createdAt,
                   Instant modifiedAt, int associationCount, long version) {
        this(name, arn, issuer, jwksJson, tags, createdAt, modifiedAt, associationCount, version,
                PodTokenLifetime.DEFAULT_SECONDS, null);
    }

    /** This cluster with its tags replaced at {@code now}, as the next version. */
    public Cluster retagged(Map<String, String> newTags, Instant now) {
        return new Cluster(name, arn, issuer, jwksJson, newTags, createdAt, now, associationCount, version + 1,
                podTokenLifetimeSeconds, webhookKeyHash, ipFamily, region, previousPodTokenLifetimeSeconds,
                podTokenLifetimeEffectiveAt, webhookSyncServiceAccount);
    }

    /** This cluster with {@code delta} more associations (same version: counts are kept by transactions). */
    public Cluster counted(int delta) {
        return new Cluster(name, arn, issuer, jwksJson, tags, createdAt, modifiedAt, associationCount + delta, version,
                podTokenLifetimeSeconds, webhookKeyHash, ipFamily, region, previousPodTokenLifetimeSeconds,
                podTokenLifetimeEffectiveAt, webhookSyncServiceAccount);
    }

    /** The credentials URI family, ipv4 unless registered otherwise. */
    public IpFamily effectiveIpFamily() {
        return ipFamily == null ? IpFamily.IPV4 : ipFamily;
    }

    /** The service account whose tokens may read the webhook identities: the registered one, else the default. */
    public Subject syncServiceAccount() {
        return webhookSyncServiceAccount == null ? WebhookSync.DEFAULT_SERVICE_ACCOUNT : webhookSyncServiceAccount;
    }

    /** This cluster with the defaults filled in: ipv4 and {@code serviceRegion} where none was registered. */
    public Cluster withDefaults(String serviceRegion) {
        return new Cluster(name, arn, issuer, jwksJson, tags, createdAt, modifiedAt, associationCount, version,
                podTokenLifetimeSeconds, webhookKeyHash, effectiveIpFamily(), region == null ? serviceRegion : region,
                previousPodTokenLifetimeSeconds, podTokenLifetimeEffectiveAt, webhookSyncServiceAccount);
    }

    /**
     * The longest token lifetime accepted at {@code now}: the limit, or the previous (higher) one until every token
     * issued under it has expired.
     */
    public int acceptedPodTokenLifetimeSeconds(Instant now) {
        return podTokenLifetimeEffectiveAt != null && now.isBefore(podTokenLifetimeEffectiveAt)
                ? Math.max(podTokenLifetimeSeconds, previousPodTokenLifetimeSeconds) : podTokenLifetimeSeconds;
    }

    /**
     * What registering {@code candidate} again makes of this stored cluster: the candidate's issuer, keys and
     * modification time, tags merged (InvalidParameter beyond {@link Tags#MAX_TAGS}), the candidate's lifetime when
     * {@code setLifetime}, its webhook key hash when {@code rotateKey} or when there is none yet, its ipFamily,
     * region and sync service account when it names them, the next version. Lowering the lifetime below what is
     * accepted now keeps that accepted until the tokens issued under it have expired (plus
     * {@link #LIFETIME_CHANGE_MARGIN}).
     */
    public Cluster reregistered(Cluster candidate, boolean setLifetime, boolean rotateKey) {
        Map<String, String> merged = new HashMap<>(tags);
        merged.putAll(candidate.tags());
        if (merged.size() > Tags.MAX_TAGS) {
            throw ServiceException.invalidParameter("cluster " + name + " would have " + merged.size()
                    + " tags: at most " + Tags.MAX_TAGS + " are allowed");
        }
        Instant now = candidate.modifiedAt();
        int lifetime = setLifetime ? candidate.podTokenLifetimeSeconds() : podTokenLifetimeSeconds;
        int accepted = acceptedPodTokenLifetimeSeconds(now);
        int previous = 0;
        Instant effectiveAt = null;
        if (lifetime < accepted) {
            previous = accepted;
            effectiveAt = now.plusSeconds(podTokenLifetimeSeconds).plus(LIFETIME_CHANGE_MARGIN);
            if (podTokenLifetimeEffectiveAt != null && podTokenLifetimeEffectiveAt.isAfter(effectiveAt)) {
                effectiveAt = podTokenLifetimeEffectiveAt;
            }
        }
        return new Cluster(name, arn, candidate.issuer(), candidate.jwksJson(), merged, createdAt, now,
                associationCount, version + 1, lifetime,
                rotateKey || webhookKeyHash == null ? candidate.webhookKeyHash() : webhookKeyHash,
                candidate.ipFamily() != null ? candidate.ipFamily() : ipFamily,
                candidate.region() != null ? candidate.region() : region, previous, effectiveAt,
                candidate.webhookSyncServiceAccount() != null
                        ? candidate.webhookSyncServiceAccount() : webhookSyncServiceAccount);
    }
}
