package dev.podidentity.service;

import java.util.Map;

/**
 * UpdatePodIdentityAssociation's members as received; null means "leave unchanged", an empty
 * {@code targetRoleArn} or {@code policy} removes it, and an empty {@code sessionTags} map removes them all.
 */
public record UpdateAssociationRequest(
        String clusterName,
        String associationId,
        String roleArn,
        String clientRequestToken,
        Boolean disableSessionTags,
        String targetRoleArn,
        String policy,
        Map<String, String> sessionTags,
        String sessionNamePolicy) {

    /** A request without sessionTags or sessionNamePolicy (EKS's members only). */
    public UpdateAssociationRequest(String clusterName, String associationId, String roleArn, String clientRequestToken,
                                    Boolean disableSessionTags, String targetRoleArn, String policy) {
        this(clusterName, associationId, roleArn, clientRequestToken, disableSessionTags, targetRoleArn, policy, null,
                null);
    }
}
