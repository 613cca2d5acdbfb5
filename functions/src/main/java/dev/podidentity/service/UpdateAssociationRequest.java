package dev.podidentity.service;

/**
 * UpdatePodIdentityAssociation's members as received; null means "leave unchanged", and an empty
 * {@code targetRoleArn} or {@code policy} removes it.
 */
public record UpdateAssociationRequest(
        String clusterName,
        String associationId,
        String roleArn,
        String clientRequestToken,
        Boolean disableSessionTags,
        String targetRoleArn,
        String policy) {
}
