package dev.podidentity.domain;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A tombstone: pod {@code podUid} of a cluster is gone (or goes at the end of its grace period) at
 * {@code deletedAt}, so tokens bound to it are refused from then on. Kept until {@code expiresAt}, when no token of
 * that pod can still be valid (DynamoDB TTL deletes it after that; an overdue tombstone refuses only tokens that are
 * expired anyway).
 */
public record PodDeletion(String clusterName, String podUid, String namespace, String podName, Instant deletedAt,
                          Instant expiresAt) {

    /** DynamoDB's TTL counts whole seconds: {@code expiresAt} is rounded up to one, never earlier. */
    public PodDeletion {
        if (expiresAt.getNano() != 0) {
            expiresAt = expiresAt.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        }
    }

    /** Whether the pod is gone at {@code now}; before that it is terminating and its tokens still work. */
    public boolean gone(Instant now) {
        return !now.isBefore(deletedAt);
    }
}
