package dev.podidentity.domain;

/**
 * The longest pod token (exp - iat) a cluster accepts, which the admission webhook also requests for pods. Bounds
 * the replay window of a leaked token.
 */
public final class PodTokenLifetime {
    /** Kubernetes' own default for projected tokens: one hour. */
    public static final int DEFAULT_SECONDS = 3600;
    /** Kubernetes refuses projected tokens shorter than ten minutes. */
    public static final int MIN_SECONDS = 600;
    /** Two days, the previous fixed ceiling. */
    public static final int MAX_SECONDS = 172_800;
    /**
     * kube-apiserver's {@code --service-account-extend-token-expiration} (on by default) treats a projected token
     * requested for exactly 3607 s as a legacy token and issues it for up to a year; such a token exceeds the limit
     * and would be refused, so the value is refused up front.
     */
    public static final int EXTENDED_BY_KUBERNETES = 3607;

    private PodTokenLifetime() {
    }

    /** Validates a requested lifetime; null stays null (keep the stored value, or the default on creation). */
    public static Integer validate(Integer seconds) {
        if (seconds == null) {
            return null;
        }
        if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
            throw ServiceException.invalidParameter("podTokenLifetimeSeconds must be between " + MIN_SECONDS + " and "
                    + MAX_SECONDS + " seconds, got " + seconds);
        }
        if (seconds == EXTENDED_BY_KUBERNETES) {
            throw ServiceException.invalidParameter("podTokenLifetimeSeconds must not be " + EXTENDED_BY_KUBERNETES
                    + ": kube-apiserver (--service-account-extend-token-expiration, on by default) extends tokens"
                    + " requested for exactly " + EXTENDED_BY_KUBERNETES + " s to up to a year, and this service would"
                    + " refuse them; use 3600 or 3608");
        }
        return seconds;
    }
}
