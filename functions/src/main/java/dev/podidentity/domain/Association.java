package dev.podidentity.domain;

import java.time.Instant;
import java.util.Map;

/**
 * A pod identity association: pods running as {@code serviceAccount} in {@code namespace} of
 * {@code clusterName} receive credentials for {@code roleArn} (and then {@code targetRoleArn}, if set).
 * {@code version} is the optimistic-locking counter of the stored item.
 */
public record Association(
        String clusterName,
        String namespace,
        String serviceAccount,
        String roleArn,
        String associationArn,
        String associationId,
        Map<String, String> tags,
        Instant createdAt,
        Instant modifiedAt,
        String ownerArn,
        boolean disableSessionTags,
        String targetRoleArn,
        String externalId,
        String policy,
        long version,
        Map<String, String> sessionTags,
        SessionNamePolicy sessionNamePolicy) {

    public Association {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        sessionTags = sessionTags == null ? Map.of() : Map.copyOf(sessionTags);
        sessionNamePolicy = sessionNamePolicy == null ? SessionNamePolicy.UNIQUE : sessionNamePolicy;
    }

    /** An association without custom session tags and with EKS's unique session names. */
    public Association(String clusterName, String namespace, String serviceAccount, String roleArn,
                       String associationArn, String associationId, Map<String, String> tags, Instant createdAt,
                       Instant modifiedAt, String ownerArn, boolean disableSessionTags, String targetRoleArn,
                       String externalId, String policy, long version) {
        this(clusterName, namespace, serviceAccount, roleArn, associationArn, associationId, tags, createdAt,
                modifiedAt, ownerArn, disableSessionTags, targetRoleArn, externalId, policy, version, Map.of(),
                SessionNamePolicy.UNIQUE);
    }

    public Subject subject() {
        return new Subject(namespace, serviceAccount);
    }

    public AssociationSummary summary() {
        return new AssociationSummary(clusterName, namespace, serviceAccount, associationArn, associationId, ownerArn);
    }

    public Association withTags(Map<String, String> newTags, Instant now) {
        return new Association(clusterName, namespace, serviceAccount, roleArn, associationArn, associationId, newTags,
                createdAt, now, ownerArn, disableSessionTags, targetRoleArn, externalId, policy, version, sessionTags,
                sessionNamePolicy);
    }

    public Association withSettings(String newRoleArn, boolean newDisableSessionTags, String newTargetRoleArn,
                                    String newExternalId, String newPolicy, Map<String, String> newSessionTags,
                                    SessionNamePolicy newSessionNamePolicy, Instant now) {
        return new Association(clusterName, namespace, serviceAccount, newRoleArn, associationArn, associationId, tags,
                createdAt, now, ownerArn, newDisableSessionTags, newTargetRoleArn, newExternalId, newPolicy, version,
                newSessionTags, newSessionNamePolicy);
    }

    /** The same association as stored under {@code newVersion} (stores count versions, not the service). */
    public Association withVersion(long newVersion) {
        return new Association(clusterName, namespace, serviceAccount, roleArn, associationArn, associationId, tags,
                createdAt, modifiedAt, ownerArn, disableSessionTags, targetRoleArn, externalId, policy, newVersion,
                sessionTags, sessionNamePolicy);
    }

    /** What AssumeRoleForPodIdentity reads for this association's subject. */
    public SubjectBinding binding() {
        return new SubjectBinding(clusterName, namespace, serviceAccount, associationId, associationArn, roleArn,
                targetRoleArn, externalId, disableSessionTags, policy, sessionTags, sessionNamePolicy);
    }
}
