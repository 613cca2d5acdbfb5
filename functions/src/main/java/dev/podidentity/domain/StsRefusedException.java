package dev.podidentity.domain;

/** STS refused to assume an association's role: final for the agent (AccessDeniedException, 400 in EKS Auth). */
public final class StsRefusedException extends ServiceException {
    private static final long serialVersionUID = 1L;

    public StsRefusedException(String message, Throwable cause) {
        super(ErrorCode.AUTH_ACCESS_DENIED, message, cause);
    }
}
