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
        long version) {

    public Association {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }

    public Subject subject() {
        return new Subject(namespace, serviceAccount);
    }

    public AssociationSummary summary() {
        return new AssociationSummary(clusterName, namespace, serviceAccount, associationArn, associationId, ownerArn);
    }

    public Association withTags(Map<String, String> newTags, Instant now) {
        return new Association(clusterName, namespace, serviceAccount, roleArn, associationArn, associationId, newTags,
                createdAt, now, ownerArn, disableSessionTags, targetRoleArn, externalId, policy, version);
    }

    public Association withSettings(String newRoleArn, boolean newDisableSessionTags, String newTargetRoleArn,
                                    String newExternalId, String newPolicy, Instant now) {
        return new Association(clusterName, namespace, serviceAccount, newRoleArn, associationArn, associationId, tags,
                createdAt, now, ownerArn, newDisableSessionTags, newTargetRoleArn, newExternalId, newPolicy, version);
    }
}
