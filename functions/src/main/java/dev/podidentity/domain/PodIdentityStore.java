package dev.podidentity.domain;

import java.util.Map;
import java.util.Optional;

/**
 * Persistence of clusters, associations and subject bindings. Every write that touches more than one item is
 * atomic; conflicts are decided by the store's conditions and reported as {@link ServiceException}s.
 */
public interface PodIdentityStore {

    /** Creates the cluster, or updates issuer and keys (and merges tags) when it exists; returns what is stored. */
    default Cluster registerCluster(Cluster candidate) {
        return registerCluster(candidate, false, false);
    }

    /**
     * As {@link #registerCluster(Cluster)}; on an existing cluster also sets the candidate's pod token lifetime when
     * {@code setLifetime}, and its webhook key hash when {@code rotateKey} or when the cluster has none yet (else the
     * stored hash stays). A new cluster takes both from the candidate. Conditional on the stored version.
     */
    Cluster registerCluster(Cluster candidate, boolean setLifetime, boolean rotateKey);

    Optional<Cluster> findCluster(String name);

    Page<Cluster> listClusters(int limit, String startAfter);

    /** Deletes the cluster; ResourceInUse while it has associations, ResourceNotFound when absent. */
    Cluster deleteCluster(String name);

    /** Replaces the cluster's tags if it is unchanged since it was read (else ResourceInUse, retryable). */
    Cluster replaceClusterTags(Cluster previous, Map<String, String> tags);

    /**
     * Stores the association and its subject binding and counts it on the cluster, all or nothing.
     * With a key, a retry of the same request answers the association the first one created.
     */
    Association createAssociation(Association association, IdempotencyKey key);

    Optional<Association> findAssociation(String clusterName, String associationId);

    Page<AssociationSummary> listAssociations(String clusterName, String namespace, String serviceAccount,
                                              int limit, String startAfter);

    /** Replaces a stored association (and its binding) if it is unchanged since {@code previous} was read. */
    Association updateAssociation(Association previous, Association updated);

    /** Deletes the association and its binding and uncounts it, if it is unchanged since it was read. */
    void deleteAssociation(Association association);

    Optional<SubjectBinding> findBinding(String clusterName, String namespace, String serviceAccount);

    /** The subject's binding and the pod's tombstone, each absent or not, read together. */
    record PodLookup(Optional<SubjectBinding> binding, Optional<PodDeletion> deletion) {
    }

    /**
     * The subject's binding and the tombstone of pod {@code podUid}, read in one round trip with strongly consistent
     * reads (the credential path's only table call).
     */
    PodLookup findBindingAndDeletion(String clusterName, String namespace, String serviceAccount, String podUid);

    /**
     * Writes the pod's tombstone; when one exists, keeps the earlier deletion time (a pod deleted gracefully is
     * deleted again at once by its kubelet or by a forced delete).
     */
    void recordPodDeletion(PodDeletion deletion);

    Optional<PodDeletion> findPodDeletion(String clusterName, String podUid);
}
