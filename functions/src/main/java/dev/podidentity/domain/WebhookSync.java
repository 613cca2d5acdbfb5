package dev.podidentity.domain;

/**
 * Who may read a cluster's webhook identities with a token of the cluster itself (SyncWebhookIdentities): one
 * service account per cluster, presenting a projected token with the route's own {@link #AUDIENCE}. A pod's
 * credential token (audience {@code pods.eks.amazonaws.com}) opens nothing here, and a sync token mints no credentials.
 */
public final class WebhookSync {
    /** The audience of the sync container's projected token. */
    public static final String AUDIENCE = "pod-identity.dev/webhook-sync";
    /** The service account {@code cluster/install --mode stock-webhook} creates for the sync container. */
    public static final Subject DEFAULT_SERVICE_ACCOUNT = new Subject("pod-identity-system", "webhook-sync");

    private WebhookSync() {
    }

    /** {@code namespace/name}, as RegisterCluster takes and DescribeCluster answers it. */
    public static String format(Subject serviceAccount) {
        return serviceAccount.namespace() + "/" + serviceAccount.serviceAccount();
    }

    /** Parses {@code namespace/name}; null stays null (keep the stored value, or the default on creation). */
    public static Subject parse(String value) {
        if (value == null) {
            return null;
        }
        int slash = value.indexOf('/');
        if (slash <= 0 || slash != value.lastIndexOf('/') || slash == value.length() - 1) {
            throw ServiceException.invalidParameter("webhookSyncServiceAccount '" + Text.printable(value)
                    + "' must be NAMESPACE/NAME, the service account of the stock webhook's sync container (default "
                    + format(DEFAULT_SERVICE_ACCOUNT) + ")");
        }
        return new Subject(value.substring(0, slash), value.substring(slash + 1));
    }
}
