package dev.podidentity.domain;

/**
 * The checks EKS makes on a role before associating it: it exists, trusts the credential broker, and the caller
 * may pass it.
 */
public interface RoleValidator {
    /**
     * @param role            the association's {@code roleArn}
     * @param needsTagSession whether the trust policy must also allow {@code sts:TagSession}
     * @param callerArn       the signed caller (from API Gateway's request context); null when unknown
     */
    void validate(RoleArn role, boolean needsTagSession, String callerArn);
}
