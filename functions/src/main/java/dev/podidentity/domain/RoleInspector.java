package dev.podidentity.domain;

import java.util.List;

/**
 * Read-only role checks for a diagnosis: the same rules as {@link RoleValidator}, reported step by step instead of
 * thrown at the first problem. It reads IAM (roles, trust policies, policy simulation) and never assumes a role.
 */
public interface RoleInspector {
    /**
     * @param role            the association's role (in this account)
     * @param needsTagSession whether session tags are on (trust policies must allow {@code sts:TagSession})
     * @param targetRole      the association's target role, or null
     * @param externalId      the association's external id for the target role, or null
     * @return {@link DiagnosticCheck#ROLE_EXISTS}, {@link DiagnosticCheck#ROLE_TRUSTS_BROKER},
     *         {@link DiagnosticCheck#BROKER_MAY_ASSUME_ROLE} and {@link DiagnosticCheck#TARGET_ROLE}, in that order
     */
    List<DiagnosticStep> inspect(RoleArn role, boolean needsTagSession, RoleArn targetRole, String externalId);
}
