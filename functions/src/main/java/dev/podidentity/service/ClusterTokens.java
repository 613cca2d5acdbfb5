package dev.podidentity.service;

import com.nimbusds.jose.jwk.JWKSet;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.ClusterName;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.PodClaims;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.Subject;
import dev.podidentity.service.token.PodTokenVerifier;
import dev.podidentity.service.token.TokenCheck;
import dev.podidentity.service.token.TokenRejectedException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verifies a token of a registered cluster against that cluster's keys, held in memory for {@link #KEY_CACHE_TTL}
 * (30 s, so a rotation takes effect within 30 s, at once for a token with an unknown kid). What the cluster item
 * says about its tokens (the lifetime accepted at load time, which honours a lowered limit's grace; the sync service
 * account) is cached with the keys.
 */
public final class ClusterTokens {
    /** How long a cluster's issuer and keys are trusted from memory. */
    public static final Duration KEY_CACHE_TTL = Duration.ofSeconds(30);
    /** An unknown kid re-reads the keys at most this often, so a rotation is picked up at once. */
    static final Duration KEY_REFRESH_INTERVAL = Duration.ofSeconds(5);

    /** The cluster's facts a token is checked against, as read at {@code loadedAt}. */
    public record ClusterKeys(String arn, String issuer, JWKSet keys, Duration maxTokenLifetime,
                              Subject syncServiceAccount, Instant loadedAt) {
    }

    /** A verified token and the cluster facts it was verified with. */
    public record Verified(PodClaims pod, ClusterKeys cluster) {
    }

    private final PodIdentityStore store;
    private final Clock clock;
    private final Map<String, ClusterKeys> keys = new ConcurrentHashMap<>();

    public ClusterTokens(PodIdentityStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Verifies {@code token} of cluster {@code clusterName} for {@code audience}: InvalidParameter without a token,
     * ResourceNotFound for an unregistered cluster, a {@link TokenRejectedException} naming the failed check.
     */
    public Verified verify(String clusterName, String token, String audience) {
        String cluster = new ClusterName(clusterName).value();
        if (token == null || token.isEmpty()) {
            throw ServiceException.invalidParameter("token is required: the pod's projected service-account token");
        }
        Instant now = clock.instant();
        ClusterKeys current = keys(cluster, now, false);
        try {
            return new Verified(PodTokenVerifier.verify(token, current.issuer(), current.keys(), now,
                    current.maxTokenLifetime(), audience), current);
        } catch (TokenRejectedException e) {
            if (e.reason() != TokenCheck.UNKNOWN_KID || !now.isAfter(current.loadedAt().plus(KEY_REFRESH_INTERVAL))) {
                throw e;
            }
        }
        ClusterKeys refreshed = keys(cluster, now, true);
        return new Verified(PodTokenVerifier.verify(token, refreshed.issuer(), refreshed.keys(), now,
                refreshed.maxTokenLifetime(), audience), refreshed);
    }

    private ClusterKeys keys(String cluster, Instant now, boolean refresh) {
        ClusterKeys cached = keys.get(cluster);
        if (!refresh && cached != null && now.isBefore(cached.loadedAt().plus(KEY_CACHE_TTL))) {
            return cached;
        }
        Cluster found = store.findCluster(cluster).orElse(null);
        if (found == null) {
            keys.remove(cluster);
            throw ServiceException.notFound("Cluster " + cluster + " is not registered with this service");
        }
        JWKSet set;
        try {
            set = JWKSet.parse(found.jwksJson());
        } catch (ParseException e) {
            throw new ServiceException(ErrorCode.INTERNAL_SERVER, "The stored keys of cluster " + cluster + " are unreadable", e);
        }
        ClusterKeys loaded = new ClusterKeys(found.arn(), found.issuer(), set,
                Duration.ofSeconds(found.acceptedPodTokenLifetimeSeconds(now)), found.syncServiceAccount(), now);
        keys.put(cluster, loaded);
        return loaded;
    }
}
