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
        String policy,
        Map<String, String> sessionTags,
        String sessionNamePolicy) {

    /** A request without sessionTags or sessionNamePolicy (EKS's members only). */
    public CreateAssociationRequest(String clusterName, String namespace, String serviceAccount, String roleArn,
                                    String clientRequestToken, Map<String, String> tags, Boolean disableSessionTags,
                                    String targetRoleArn, String policy) {
        this(clusterName, namespace, serviceAccount, roleArn, clientRequestToken, tags, disableSessionTags,
                targetRoleArn, policy, null, null);
    }
}
