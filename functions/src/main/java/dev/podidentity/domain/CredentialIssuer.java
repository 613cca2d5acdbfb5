package dev.podidentity.domain;

/** Mints credentials for a pod from its association (the STS side of AssumeRoleForPodIdentity). */
public interface CredentialIssuer {
    IssuedCredentials issue(SubjectBinding binding, PodClaims pod, String clusterArn);
}
