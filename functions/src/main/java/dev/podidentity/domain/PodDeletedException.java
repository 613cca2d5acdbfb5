package dev.podidentity.domain;

/**
 * A token of a pod that is gone: EKS Auth's InvalidTokenException (400), which the stock agent treats as final (it
 * drops the pod's cached credentials and stops renewing them), naming the pod and when it was deleted.
 */
public final class PodDeletedException extends ServiceException {
    private static final long serialVersionUID = 1L;

    public PodDeletedException(PodDeletion deletion) {
        super(ErrorCode.INVALID_TOKEN, "The token belongs to pod " + deletion.namespace() + "/" + deletion.podName()
                + " (uid " + deletion.podUid() + ") of cluster " + deletion.clusterName() + ", which was deleted at "
                + deletion.deletedAt() + ": a deleted pod's tokens are no longer valid");
    }
}
