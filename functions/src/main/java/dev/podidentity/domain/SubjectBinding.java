package dev.podidentity.domain;

import java.util.Map;

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
        String policy,
        Map<String, String> sessionTags,
        SessionNamePolicy sessionNamePolicy) {

    public SubjectBinding {
        sessionTags = sessionTags == null ? Map.of() : Map.copyOf(sessionTags);
        sessionNamePolicy = sessionNamePolicy == null ? SessionNamePolicy.UNIQUE : sessionNamePolicy;
    }
}
