package dev.podidentity.domain;

/** What ListPodIdentityAssociations answers per association. */
public record AssociationSummary(
        String clusterName,
        String namespace,
        String serviceAccount,
        String associationArn,
        String associationId,
        String ownerArn) {
}
