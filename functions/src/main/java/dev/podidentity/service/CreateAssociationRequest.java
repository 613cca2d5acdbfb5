package dev.podidentity.service;

import java.util.Map;

/** CreatePodIdentityAssociation's members as received (not yet validated); null means absent. */
public record CreateAssociationRequest(
        String clusterName,
        String namespace,
        String serviceAccount,
        String roleArn,
        String clientRequestToken,
        Map<String, String> tags,
        Boolean disableSessionTags,
        String targetRoleArn,
        String policy) {
}
