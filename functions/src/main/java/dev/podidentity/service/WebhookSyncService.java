package dev.podidentity.service;

import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.Subject;
import dev.podidentity.domain.WebhookSync;
import java.time.Clock;
import java.util.List;

/**
 * SyncWebhookIdentities: the webhook identities of a cluster for the cluster itself. The caller proves it runs in the
 * cluster as the cluster's sync service account with a projected token of audience {@value WebhookSync#AUDIENCE},
 * verified like a pod's token at AssumeRoleForPodIdentity (the same checks, refusals and key cache), so the cluster
 * holds no secret of ours. The list itself is what GetWebhookIdentities answers.
 */
public final class WebhookSyncService {
    private final PodIdentityStore store;
    private final ClusterTokens tokens;

    public WebhookSyncService(PodIdentityStore store, Clock clock) {
        this.store = store;
        this.tokens = new ClusterTokens(store, clock);
    }

    /** A valid token of the cluster whose service account is not the cluster's sync service account: 403. */
    public static final class NotSyncServiceAccountException extends ServiceException {
        private static final long serialVersionUID = 1L;

        NotSyncServiceAccountException(String message) {
            super(ErrorCode.ACCESS_DENIED, message);
        }
    }

    public List<Subject> identities(String clusterName, String token) {
        ClusterTokens.Verified verified = tokens.verify(clusterName, token, WebhookSync.AUDIENCE);
        Subject caller = new Subject(verified.pod().namespace(), verified.pod().serviceAccount());
        Subject allowed = verified.cluster().syncServiceAccount();
        if (!caller.equals(allowed)) {
            throw new NotSyncServiceAccountException("Service account " + WebhookSync.format(caller)
                    + " may not read the webhook identities of cluster " + clusterName + ": only "
                    + WebhookSync.format(allowed) + " may (run the sync as that service account, or register the"
                    + " cluster with webhookSyncServiceAccount naming another)");
        }
        return ClusterService.associatedServiceAccounts(store, clusterName);
    }
}
