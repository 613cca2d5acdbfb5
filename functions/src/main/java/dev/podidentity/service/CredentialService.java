package dev.podidentity.service;

import com.nimbusds.jose.jwk.JWKSet;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.ClusterName;
import dev.podidentity.domain.CredentialIssuer;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.IssuedCredentials;
import dev.podidentity.domain.PodClaims;
import dev.podidentity.domain.PodDeletedException;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.SubjectBinding;
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
 * AssumeRoleForPodIdentity: verify the pod's token against its cluster's keys (held in memory for
 * {@link #KEY_CACHE_TTL}, 30 s, so a rotation takes effect within 30 s, at once for a token with an unknown kid),
 * read the subject's binding and the pod's tombstone in one round trip of consistent reads (a deleted pod's token is
 * refused), mint credentials.
 * The cluster's pod token lifetime limit is cached with its keys, so a change takes effect within {@link #KEY_CACHE_TTL}.
 */
public final class CredentialService {
    /** How long a cluster's issuer and keys are trusted from memory. */
    public static final Duration KEY_CACHE_TTL = Duration.ofSeconds(30);
    /** An unknown kid re-reads the keys at most this often, so a rotation is picked up at once. */
    static final Duration KEY_REFRESH_INTERVAL = Duration.ofSeconds(5);

    /** What the handler answers. */
    public record Result(PodClaims pod, SubjectBinding binding, IssuedCredentials credentials) {
    }

    private record ClusterKeys(String arn, String issuer, JWKSet keys, Duration maxTokenLifetime, Instant loadedAt) {
    }

    private final PodIdentityStore store;
    private final CredentialIssuer issuer;
    private final Clock clock;
    private final Map<String, ClusterKeys> keys = new ConcurrentHashMap<>();

    public CredentialService(PodIdentityStore store, CredentialIssuer issuer, Clock clock) {
        this.store = store;
        this.issuer = issuer;
        this.clock = clock;
    }

    public Result assume(String clusterName, String token) {
        String cluster = new ClusterName(clusterName).value();
        if (token == null || token.isEmpty()) {
            throw ServiceException.invalidParameter("token is required: the pod's projected service-account token");
        }
        Instant now = clock.instant();
        ClusterKeys current = keys(cluster, now, false);
        PodClaims verified;
        try {
            verified = PodTokenVerifier.verify(token, current.issuer(), current.keys(), now, current.maxTokenLifetime());
        } catch (TokenRejectedException e) {
            if (e.reason() != TokenCheck.UNKNOWN_KID || !now.isAfter(current.loadedAt().plus(KEY_REFRESH_INTERVAL))) {
                throw e;
            }
            current = keys(cluster, now, true);
            verified = PodTokenVerifier.verify(token, current.issuer(), current.keys(), now, current.maxTokenLifetime());
        }
        PodClaims pod = verified;
        PodIdentityStore.PodLookup lookup = store.findBindingAndDeletion(cluster, pod.namespace(), pod.serviceAccount(),
                pod.podUid());
        if (lookup.deletion().filter(d -> d.gone(now)).isPresent()) {
            throw new PodDeletedException(lookup.deletion().get());
        }
        SubjectBinding binding = lookup.binding()
                .orElseThrow(() -> ServiceException.notFound("No Pod Identity Association found for service account "
                        + pod.serviceAccount() + " in namespace " + pod.namespace() + " of cluster " + cluster));
        return new Result(pod, binding, issuer.issue(binding, pod, current.arn()));
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
                Duration.ofSeconds(found.acceptedPodTokenLifetimeSeconds(now)), now);
        keys.put(cluster, loaded);
        return loaded;
    }
}
