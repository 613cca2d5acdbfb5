package dev.podidentity.domain;

/**
 * The steps of the credential path a diagnosis checks, in the order AssumeRoleForPodIdentity (and before it, the
 * pod's creation) goes through them. {@link #wireName()} is the {@code check} of the answer.
 */
public enum DiagnosticCheck {
    CLUSTER_REGISTERED("clusterRegistered"),
    TOKEN_PARSES("tokenParses"),
    TOKEN_ALGORITHM("tokenAlgorithm"),
    TOKEN_HEADER("tokenHeader"),
    TOKEN_KEY_ID("tokenKeyId"),
    TOKEN_SIGNATURE("tokenSignature"),
    TOKEN_ISSUER("tokenIssuer"),
    TOKEN_AUDIENCE("tokenAudience"),
    TOKEN_CLAIMS("tokenClaims"),
    TOKEN_EXPIRY("tokenExpiry"),
    TOKEN_NOT_BEFORE("tokenNotBefore"),
    TOKEN_LIFETIME("tokenLifetime"),
    TOKEN_SUBJECT_CLAIMS("tokenSubjectClaims"),
    TOKEN_SERVICE_ACCOUNT("tokenServiceAccount"),
    /** The token's pod has no tombstone: it was not deleted (the broker refuses tokens of deleted pods). */
    POD_NOT_DELETED("podNotDeleted"),
    ASSOCIATION_EXISTS("associationExists"),
    ROLE_EXISTS("roleExists"),
    ROLE_TRUSTS_BROKER("roleTrustsBroker"),
    BROKER_MAY_ASSUME_ROLE("brokerMayAssumeRole"),
    TARGET_ROLE("targetRole"),
    POD_CREATED_AFTER_ASSOCIATION("podCreatedAfterAssociation"),
    POD_ENVIRONMENT("podEnvironment");

    private final String wireName;

    DiagnosticCheck(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
