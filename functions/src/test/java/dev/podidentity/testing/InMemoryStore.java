package dev.podidentity.testing;

import dev.podidentity.domain.Association;
import dev.podidentity.domain.AssociationSummary;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.ConflictException;
import dev.podidentity.domain.IdempotencyKey;
import dev.podidentity.domain.Page;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.SubjectBinding;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * {@link PodIdentityStore} in maps, for the service unit tests and the benchmark's handler self-time. Every method
 * runs under one lock, so each write is atomic; the conditions the DynamoDB adapter puts on its writes are checked
 * in the same order and fail with the same exception types and messages: one binding per subject (ResourceInUse
 * naming the existing association), the per-cluster association quota (ResourceLimitExceeded), clientRequestTokens
 * (replay, or InvalidRequest for other parameters) and version conditions ({@link ConflictException}, or
 * ResourceNotFound when the item is gone). Pages are ordered by namespace, then service account, as the table's
 * sort key orders them.
 */
public final class InMemoryStore implements PodIdentityStore {
    /** The quota DynamoStore enforces ({@code DynamoStore.MAX_ASSOCIATIONS_PER_CLUSTER}). */
    public static final int MAX_ASSOCIATIONS_PER_CLUSTER = 5000;

    private record Token(String requestHash, String associationId, Instant expiresAt) {
    }

    private final Clock clock;
    private final int maxAssociationsPerCluster;
    private final NavigableMap<String, Cluster> clusters = new TreeMap<>();
    /** Associations by cluster, then by id. */
    private final Map<String, Map<String, Association>> associations = new HashMap<>();
    /** Bindings by cluster, then by subject key (namespace, service account: the listing order). */
    private final Map<String, NavigableMap<String, SubjectBinding>> bindings = new HashMap<>();
    private final Map<String, Token> tokens = new HashMap<>();

    public InMemoryStore(Clock clock) {
        this(clock, MAX_ASSOCIATIONS_PER_CLUSTER);
    }

    /** With another quota (the benchmark creates more associations in one cluster than EKS allows). */
    public InMemoryStore(Clock clock, int maxAssociationsPerCluster) {
        this.clock = clock;
        this.maxAssociationsPerCluster = maxAssociationsPerCluster;
    }

    // ---------------------------------------------------------------- clusters

    @Override
    public synchronized Cluster registerCluster(Cluster candidate, boolean setLifetime, boolean rotateKey) {
        Cluster current = clusters.get(candidate.name());
        if (current == null) {
            clusters.put(candidate.name(), candidate);
            return candidate;
        }
        Cluster updated = current.reregistered(candidate, setLifetime, rotateKey);
        clusters.put(updated.name(), updated);
        return updated;
    }

    @Override
    public synchronized Optional<Cluster> findCluster(String name) {
        return Optional.ofNullable(clusters.get(name));
    }

    @Override
    public synchronized Page<Cluster> listClusters(int limit, String startAfter) {
        List<Cluster> page = new ArrayList<>(startAfter == null ? clusters.values() : clusters.tailMap(startAfter, false).values());
        return page(page, limit, Cluster::name);
    }

    @Override
    public synchronized Cluster deleteCluster(String name) {
        Cluster current = clusters.get(name);
        if (current == null) {
            throw ServiceException.clusterNotFound(name);
        }
        if (current.associationCount() != 0) {
            throw ServiceException.inUse("Cluster " + name + " has " + current.associationCount()
                    + " pod identity association(s): delete them before deleting the cluster");
        }
        clusters.remove(name);
        return current;
    }

    @Override
    public synchronized Cluster replaceClusterTags(Cluster previous, Map<String, String> tags) {
        Cluster current = clusters.get(previous.name());
        if (current == null || current.version() != previous.version()) {
            throw new ConflictException("Cluster " + previous.name() + " was changed by another request; retry");
        }
        Cluster updated = new Cluster(current.name(), current.arn(), current.issuer(), current.jwksJson(), tags,
                current.createdAt(), clock.instant(), current.associationCount(), current.version() + 1,
                current.podTokenLifetimeSeconds(), current.webhookKeyHash(), current.webhookSyncServiceAccount());
        clusters.put(updated.name(), updated);
        return updated;
    }

    // ------------------------------------------------------------ associations

    @Override
    public synchronized Association createAssociation(Association a, IdempotencyKey key) {
        Instant now = clock.instant();
        Token used = key == null ? null : tokens.get(tokenKey(a.clusterName(), key.token()));
        if (used != null && !used.expiresAt().isBefore(now)) {
            return replay(a, key, used);
        }
        Cluster cluster = clusters.get(a.clusterName());
        if (cluster == null) {
            throw ServiceException.clusterNotFound(a.clusterName());
        }
        if (cluster.associationCount() >= maxAssociationsPerCluster) {
            throw ServiceException.limitExceeded("Cluster " + cluster.name() + " already has " + cluster.associationCount()
                    + " pod identity associations, the maximum is " + maxAssociationsPerCluster);
        }
        SubjectBinding existing = bindings(a.clusterName()).get(subjectKey(a.namespace(), a.serviceAccount()));
        if (existing != null) {
            throw ServiceException.inUse("Association already exists: " + existing.associationId());
        }
        if (associations(a.clusterName()).containsKey(a.associationId())) {
            throw new ConflictException("Another request is changing pod identity associations of cluster "
                    + a.clusterName() + "; retry");
        }
        associations(a.clusterName()).put(a.associationId(), a);
        bindings(a.clusterName()).put(subjectKey(a.namespace(), a.serviceAccount()), binding(a));
        clusters.put(cluster.name(), counted(cluster, 1));
        if (key != null) {
            tokens.put(tokenKey(a.clusterName(), key.token()), new Token(key.requestHash(), a.associationId(), key.expiresAt()));
        }
        return a;
    }

    private Association replay(Association a, IdempotencyKey key, Token used) {
        if (!key.requestHash().equals(used.requestHash())) {
            throw ServiceException.invalidRequest("clientRequestToken '" + key.token()
                    + "' was already used with different parameters: use a new token for a new request");
        }
        Association original = associations(a.clusterName()).get(used.associationId());
        if (original == null) {
            throw ServiceException.inUse("clientRequestToken '" + key.token() + "' already created association "
                    + used.associationId() + ", which has since been deleted: use a new token to create it again");
        }
        return original;
    }

    @Override
    public synchronized Optional<Association> findAssociation(String clusterName, String associationId) {
        return Optional.ofNullable(associations(clusterName).get(associationId));
    }

    @Override
    public synchronized Page<AssociationSummary> listAssociations(String clusterName, String namespace,
                                                                  String serviceAccount, int limit, String startAfter) {
        NavigableMap<String, SubjectBinding> all = bindings(clusterName);
        List<SubjectBinding> matching = new ArrayList<>();
        for (SubjectBinding b : (startAfter == null ? all : all.tailMap(startAfter, false)).values()) {
            if ((namespace == null || namespace.equals(b.namespace()))
                    && (serviceAccount == null || serviceAccount.equals(b.serviceAccount()))) {
                matching.add(b);
            }
        }
        Page<SubjectBinding> page = page(matching, limit, b -> subjectKey(b.namespace(), b.serviceAccount()));
        List<AssociationSummary> summaries = page.items().stream()
                .map(b -> associations(clusterName).get(b.associationId()).summary())
                .toList();
        return new Page<>(summaries, page.lastKey());
    }

    @Override
    public synchronized Association updateAssociation(Association previous, Association updated) {
        checkUnchanged(previous);
        Association stored = new Association(updated.clusterName(), updated.namespace(), updated.serviceAccount(),
                updated.roleArn(), updated.associationArn(), updated.associationId(), updated.tags(), updated.createdAt(),
                updated.modifiedAt(), updated.ownerArn(), updated.disableSessionTags(), updated.targetRoleArn(),
                updated.externalId(), updated.policy(), previous.version() + 1);
        associations(stored.clusterName()).put(stored.associationId(), stored);
        bindings(stored.clusterName()).put(subjectKey(stored.namespace(), stored.serviceAccount()), binding(stored));
        return stored;
    }

    @Override
    public synchronized void deleteAssociation(Association a) {
        checkUnchanged(a);
        Cluster cluster = clusters.get(a.clusterName());
        if (cluster == null) {
            throw new ConflictException("Association " + a.associationId() + " was changed by another request; retry");
        }
        associations(a.clusterName()).remove(a.associationId());
        bindings(a.clusterName()).remove(subjectKey(a.namespace(), a.serviceAccount()));
        clusters.put(cluster.name(), counted(cluster, -1));
    }

    /** The version condition on the association and the id condition on its binding. */
    private void checkUnchanged(Association previous) {
        Association current = associations(previous.clusterName()).get(previous.associationId());
        if (current == null) {
            throw ServiceException.associationNotFound(previous.clusterName(), previous.associationId());
        }
        SubjectBinding binding = bindings(previous.clusterName()).get(subjectKey(previous.namespace(), previous.serviceAccount()));
        if (current.version() != previous.version() || binding == null
                || !binding.associationId().equals(previous.associationId())) {
            throw new ConflictException("Association " + previous.associationId() + " was changed by another request; retry");
        }
    }

    @Override
    public synchronized Optional<SubjectBinding> findBinding(String clusterName, String namespace, String serviceAccount) {
        return Optional.ofNullable(bindings(clusterName).get(subjectKey(namespace, serviceAccount)));
    }

    // ----------------------------------------------------------------- helpers

    private Map<String, Association> associations(String cluster) {
        return associations.computeIfAbsent(cluster, c -> new HashMap<>());
    }

    private NavigableMap<String, SubjectBinding> bindings(String cluster) {
        return bindings.computeIfAbsent(cluster, c -> new TreeMap<>());
    }

    private static String subjectKey(String namespace, String serviceAccount) {
        return namespace + "#" + serviceAccount;
    }

    private static String tokenKey(String cluster, String token) {
        return cluster + "#" + token;
    }

    private static SubjectBinding binding(Association a) {
        return new SubjectBinding(a.clusterName(), a.namespace(), a.serviceAccount(), a.associationId(),
                a.associationArn(), a.roleArn(), a.targetRoleArn(), a.externalId(), a.disableSessionTags(), a.policy());
    }

    private static Cluster counted(Cluster c, int delta) {
        return new Cluster(c.name(), c.arn(), c.issuer(), c.jwksJson(), c.tags(), c.createdAt(), c.modifiedAt(),
                c.associationCount() + delta, c.version(), c.podTokenLifetimeSeconds(), c.webhookKeyHash(),
                c.webhookSyncServiceAccount());
    }

    private static <T> Page<T> page(List<T> items, int limit, Function<T, String> key) {
        if (items.size() <= limit) {
            return new Page<>(items, null);
        }
        List<T> first = items.subList(0, limit);
        return new Page<>(first, key.apply(first.get(limit - 1)));
    }
}
