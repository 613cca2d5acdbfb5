package dev.podidentity.service;

import dev.podidentity.domain.ClusterName;
import dev.podidentity.domain.CredentialIssuer;
import dev.podidentity.domain.PodClaims;
import dev.podidentity.domain.PodDeletedException;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.SubjectBinding;
import dev.podidentity.domain.IssuedCredentials;
import dev.podidentity.service.token.PodTokenVerifier;
import java.time.Clock;
import java.time.Duration;

/**
 * AssumeRoleForPodIdentity: verify the pod's token against its cluster's keys ({@link ClusterTokens}: cached for
 * {@link #KEY_CACHE_TTL}, 30 s, so a rotation takes effect within 30 s, at once for a token with an unknown kid),
 * read the subject's binding and the pod's tombstone in one round trip of consistent reads (a deleted pod's token is
 * refused), mint credentials.
 * The cluster's pod token lifetime limit is cached with its keys, so a change takes effect within {@link #KEY_CACHE_TTL}.
 */
public final class CredentialService {
    /** How long a cluster's issuer and keys are trusted from memory. */
    public static final Duration KEY_CACHE_TTL = ClusterTokens.KEY_CACHE_TTL;
    /** An unknown kid re-reads the keys at most this often, so a rotation is picked up at once. */
    static final Duration KEY_REFRESH_INTERVAL = ClusterTokens.KEY_REFRESH_INTERVAL;

    /** What the handler answers. */
    public record Result(PodClaims pod, SubjectBinding binding, IssuedCredentials credentials) {
    }

    private final PodIdentityStore store;
    private final CredentialIssuer issuer;
    private final Clock clock;
    private final ClusterTokens tokens;

    public CredentialService(PodIdentityStore store, CredentialIssuer issuer, Clock clock) {
        this.store = store;
        this.issuer = issuer;
        this.clock = clock;
        this.tokens = new ClusterTokens(store, clock);
    }

    public Result assume(String clusterName, String token) {
        ClusterTokens.Verified verified = tokens.verify(clusterName, token, PodTokenVerifier.AUDIENCE);
        PodClaims pod = verified.pod();
        String cluster = new ClusterName(clusterName).value();
        PodIdentityStore.PodLookup lookup = store.findBindingAndDeletion(cluster, pod.namespace(), pod.serviceAccount(),
                pod.podUid());
        if (lookup.deletion().filter(d -> d.gone(clock.instant())).isPresent()) {
            throw new PodDeletedException(lookup.deletion().get());
        }
        SubjectBinding binding = lookup.binding()
                .orElseThrow(() -> ServiceException.notFound("No Pod Identity Association found for service account "
                        + pod.serviceAccount() + " in namespace " + pod.namespace() + " of cluster " + cluster));
        return new Result(pod, binding, issuer.issue(binding, pod, verified.cluster().arn()));
    }
}
