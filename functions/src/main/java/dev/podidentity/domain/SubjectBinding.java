package dev.podidentity.domain;

/**
 * Everything AssumeRoleForPodIdentity needs about the association of one service account,
 * stored under the subject so that one consistent read answers it.
 */
public record SubjectBinding(
        String clusterName,
        String namespace,
        String serviceAccount,
        String associationId,
        String associationArn,
        String roleArn,
        String targetRoleArn,
        String externalId,
        boolean disableSessionTags,
        String policy) {
}
