package dev.podidentity.api;

/** What a route's function may do beyond reading and writing the table; each grants IAM permissions. */
public enum Capability {
    /**
     * Runs as the credential broker role, the one role that may {@code sts:AssumeRole} and {@code sts:TagSession} on
     * associated roles (and that their trust policies name). Only in the {@link FunctionPackage#BROKER} package.
     */
    ASSUMES_ROLES,
    /**
     * Checks roles with IAM ({@code iam:GetRole}, {@code iam:SimulatePrincipalPolicy}) and learns the broker role's
     * ARN to check trust policies against. Only in the {@link FunctionPackage#ADMIN} package.
     */
    CHECKS_ROLES,
    /**
     * Seals and opens {@code nextToken}s: reads the paging key secret ({@code secretsmanager:GetSecretValue} on that
     * one secret) once per execution environment. Only routes that answer a {@code nextToken}.
     */
    PAGES
}
