package dev.podidentity.local.bench;

import dev.podidentity.domain.Association;
import dev.podidentity.domain.AssociationSummary;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.IdempotencyKey;
import dev.podidentity.domain.Page;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.SubjectBinding;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A store held in maps, for measuring handler self-time without DynamoDB round trips (benchmark only: it keeps none
 * of the real store's guarantees and implements only what the measured operations call).
 */
final class InMemoryStore implements PodIdentityStore {
    private final Map<String, Cluster> clusters = new ConcurrentHashMap<>();
    private final Map<String, SubjectBinding> bindings = new ConcurrentHashMap<>();

    @Override
    public Cluster registerCluster(Cluster candidate, boolean setLifetime, boolean rotateKey) {
        clusters.put(candidate.name(), candidate);
        return candidate;
    }

    @Override
    public Optional<Cluster> findCluster(String name) {
        return Optional.ofNullable(clusters.get(name));
    }

    @Override
    public Association createAssociation(Association a, IdempotencyKey key) {
        bindings.put(a.clusterName() + "#" + a.namespace() + "#" + a.serviceAccount(), new SubjectBinding(a.clusterName(),
                a.namespace(), a.serviceAccount(), a.associationId(), a.associationArn(), a.roleArn(), a.targetRoleArn(),
                a.externalId(), a.disableSessionTags(), a.policy()));
        return a;
    }

    @Override
    public Optional<SubjectBinding> findBinding(String clusterName, String namespace, String serviceAccount) {
        return Optional.ofNullable(bindings.get(clusterName + "#" + namespace + "#" + serviceAccount));
    }

    @Override
    public Page<Cluster> listClusters(int limit, String startAfter) {
        throw new UnsupportedOperationException("not measured");
    }

    @Override
    public Cluster deleteCluster(String name) {
        throw new UnsupportedOperationException("not measured");
    }

    @Override
    public Cluster replaceClusterTags(Cluster previous, Map<String, String> tags) {
        throw new UnsupportedOperationException("not measured");
    }

    @Override
    public Optional<Association> findAssociation(String clusterName, String associationId) {
        throw new UnsupportedOperationException("not measured");
    }

    @Override
    public Page<AssociationSummary> listAssociations(String c, String n, String s, int limit, String startAfter) {
        throw new UnsupportedOperationException("not measured");
    }

    @Override
    public Association updateAssociation(Association previous, Association updated) {
        throw new UnsupportedOperationException("not measured");
    }

    @Override
    public void deleteAssociation(Association association) {
        throw new UnsupportedOperationException("not measured");
    }
}
