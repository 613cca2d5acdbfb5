package dev.podidentity.adapter.dynamodb;

import static dev.podidentity.adapter.dynamodb.Attributes.n;
import static dev.podidentity.adapter.dynamodb.Attributes.s;
import static dev.podidentity.adapter.dynamodb.ItemMapper.ASSOCIATION_COUNT;
import static dev.podidentity.adapter.dynamodb.ItemMapper.ASSOCIATION_ID;
import static dev.podidentity.adapter.dynamodb.ItemMapper.REQUEST_HASH;
import static dev.podidentity.adapter.dynamodb.ItemMapper.VERSION;

import dev.podidentity.adapter.AwsFailures;
import dev.podidentity.domain.Association;
import dev.podidentity.domain.AssociationSummary;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.ConflictException;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.IdempotencyKey;
import dev.podidentity.domain.Page;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.SubjectBinding;
import dev.podidentity.domain.WebhookSync;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/** {@link PodIdentityStore} on one DynamoDB table (layout in {@link TableSchema}). */
public final class DynamoStore implements PodIdentityStore {
    /** EKS's quota of associations per cluster. */
    public static final int MAX_ASSOCIATIONS_PER_CLUSTER = 5000;
    private static final int TRANSACTION_ATTEMPTS = 4;

    /** The writes of the association transactions, by what each one guards. */
    private enum Write {
        /** The subject binding: one association per (cluster, namespace, service account). */
        BINDING,
        /** The association item itself. */
        ASSOCIATION,
        /** The cluster's association count: the cluster exists and is under its quota. */
        CLUSTER_COUNT,
        /** The clientRequestToken: one association per token. */
        REQUEST_TOKEN
    }

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public DynamoStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    // ---------------------------------------------------------------- clusters

    @Override
    public Cluster registerCluster(Cluster candidate, boolean setLifetime, boolean rotateKey) {
        try {
            dynamo.putItem(r -> r.tableName(table)
                    .item(ItemMapper.clusterItem(candidate))
                    .conditionExpression("attribute_not_exists(pk)"));
            return candidate;
        } catch (ConditionalCheckFailedException exists) {
            return updateRegisteredCluster(candidate, setLifetime, rotateKey);
        } catch (SdkException e) {
            throw translate(e);
        }
    }

    private Cluster updateRegisteredCluster(Cluster candidate, boolean setLifetime, boolean rotateKey) {
        for (int attempt = 0; attempt < TRANSACTION_ATTEMPTS; attempt++) {
            Cluster current = findCluster(candidate.name()).orElse(null);
            if (current == null) {
                return registerCluster(candidate, setLifetime, rotateKey);
            }
            Cluster updated = current.reregistered(candidate, setLifetime, rotateKey);
            Map<String, String> tags = updated.tags();
            int lifetime = updated.podTokenLifetimeSeconds();
            String keyHash = updated.webhookKeyHash();
            Map<String, AttributeValue> values = new HashMap<>(Map.of(
                    ":issuer", s(updated.issuer()),
                    ":jwks", s(updated.jwksJson()),
                    ":tags", Attributes.stringMap(tags),
                    ":modified", Attributes.instant(updated.modifiedAt()),
                    ":next", n(updated.version()),
                    ":expected", n(current.version()),
                    ":lifetime", n(lifetime)));
            String update = "SET issuer = :issuer, jwks = :jwks, tags = :tags, modifiedAt = :modified, version = :next, "
                    + ItemMapper.POD_TOKEN_LIFETIME + " = :lifetime";
            if (keyHash != null) {
                values.put(":keyHash", s(keyHash));
                update += ", " + ItemMapper.WEBHOOK_KEY_HASH + " = :keyHash";
            }
            if (updated.webhookSyncServiceAccount() != null) {
                values.put(":syncAccount", s(WebhookSync.format(updated.webhookSyncServiceAccount())));
                update += ", " + ItemMapper.WEBHOOK_SYNC_SERVICE_ACCOUNT + " = :syncAccount";
            }
            String expression = update;
            try {
                dynamo.updateItem(r -> r.tableName(table)
                        .key(ItemMapper.clusterKey(current.name()))
                        .updateExpression(expression)
                        .conditionExpression("version = :expected")
                        .expressionAttributeValues(values));
                return updated;
            } catch (ConditionalCheckFailedException changed) {
                // another writer won; read again and reapply
            } catch (SdkException e) {
                throw translate(e);
            }
        }
        throw new ConflictException("Cluster " + candidate.name() + " is being changed by another request; retry");
    }

    @Override
    public Optional<Cluster> findCluster(String name) {
        return getItem(ItemMapper.clusterKey(name)).map(ItemMapper::cluster);
    }

    @Override
    public Page<Cluster> listClusters(int limit, String startAfter) {
        QueryRequest.Builder query = QueryRequest.builder().tableName(table)
                .indexName(TableSchema.CLUSTERS_INDEX)
                .keyConditionExpression("gsi1pk = :clusters")
                .expressionAttributeValues(Map.of(":clusters", s(TableSchema.CLUSTERS_INDEX_KEY)))
                .limit(limit);
        if (startAfter != null) {
            Map<String, AttributeValue> start = new HashMap<>(ItemMapper.clusterKey(startAfter));
            start.put(TableSchema.CLUSTERS_INDEX_PK, s(TableSchema.CLUSTERS_INDEX_KEY));
            start.put(TableSchema.CLUSTERS_INDEX_SK, s(startAfter));
            query.exclusiveStartKey(start);
        }
        QueryResponse response = query(query.build());
        List<Cluster> clusters = response.items().stream().map(ItemMapper::cluster).toList();
        String last = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty() && !clusters.isEmpty()
                ? clusters.get(clusters.size() - 1).name() : null;
        return new Page<>(clusters, last);
    }

    @Override
    public Cluster deleteCluster(String name) {
        try {
            Map<String, AttributeValue> old = dynamo.deleteItem(r -> r.tableName(table)
                    .key(ItemMapper.clusterKey(name))
                    .conditionExpression("attribute_exists(pk) AND associationCount = :zero")
                    .expressionAttributeValues(Map.of(":zero", n(0)))
                    .returnValues("ALL_OLD")).attributes();
            return ItemMapper.cluster(old);
        } catch (ConditionalCheckFailedException failed) {
            Cluster current = findCluster(name).orElseThrow(() -> ServiceException.clusterNotFound(name));
            throw ServiceException.inUse("Cluster " + name + " has " + current.associationCount()
                    + " pod identity association(s): delete them before deleting the cluster");
        } catch (SdkException e) {
            throw translate(e);
        }
    }

    @Override
    public Cluster replaceClusterTags(Cluster previous, Map<String, String> tags) {
        Cluster updated = new Cluster(previous.name(), previous.arn(), previous.issuer(), previous.jwksJson(), tags,
                previous.createdAt(), clock.instant(), previous.associationCount(), previous.version() + 1,
                previous.podTokenLifetimeSeconds(), previous.webhookKeyHash(), previous.webhookSyncServiceAccount());
        try {
            dynamo.updateItem(r -> r.tableName(table)
                    .key(ItemMapper.clusterKey(previous.name()))
                    .updateExpression("SET tags = :tags, modifiedAt = :modified, version = :next")
                    .conditionExpression("version = :expected")
                    .expressionAttributeValues(Map.of(
                            ":tags", Attributes.stringMap(tags),
                            ":modified", Attributes.instant(updated.modifiedAt()),
                            ":next", n(updated.version()),
                            ":expected", n(previous.version()))));
            return updated;
        } catch (ConditionalCheckFailedException changed) {
            throw new ConflictException("Cluster " + previous.name() + " was changed by another request; retry");
        } catch (SdkException e) {
            throw translate(e);
        }
    }

    // ------------------------------------------------------------ associations

    @Override
    public Association createAssociation(Association a, IdempotencyKey key) {
        NamedWrites<Write> writes = new NamedWrites<>(Write.class);
        writes.add(Write.BINDING, TransactWriteItem.builder().put(Put.builder().tableName(table)
                .item(ItemMapper.bindingItem(a))
                .conditionExpression("attribute_not_exists(pk)").build()).build());
        writes.add(Write.ASSOCIATION, TransactWriteItem.builder().put(Put.builder().tableName(table)
                .item(ItemMapper.associationItem(a))
                .conditionExpression("attribute_not_exists(pk)").build()).build());
        writes.add(Write.CLUSTER_COUNT, TransactWriteItem.builder().update(Update.builder().tableName(table)
                .key(ItemMapper.clusterKey(a.clusterName()))
                .updateExpression("SET associationCount = associationCount + :one")
                .conditionExpression("attribute_exists(pk) AND associationCount < :max")
                .expressionAttributeValues(Map.of(":one", n(1), ":max", n(MAX_ASSOCIATIONS_PER_CLUSTER)))
                .build()).build());
        if (key != null) {
            Map<String, AttributeValue> token = new HashMap<>(ItemMapper.tokenKey(a.clusterName(), key.token()));
            token.put(REQUEST_HASH, s(key.requestHash()));
            token.put(ASSOCIATION_ID, s(a.associationId()));
            token.put(TableSchema.TTL_ATTRIBUTE, n(key.expiresAt().getEpochSecond()));
            writes.add(Write.REQUEST_TOKEN, TransactWriteItem.builder().put(Put.builder().tableName(table)
                    .item(token)
                    .conditionExpression("attribute_not_exists(pk) OR expiresAt < :now")
                    .expressionAttributeValues(Map.of(":now", n(clock.instant().getEpochSecond())))
                    .build()).build());
        }
        Optional<Set<Write>> cancelled = transact(writes);
        if (cancelled.isEmpty()) {
            return a;
        }
        Set<Write> failed = cancelled.get();
        if (failed.contains(Write.REQUEST_TOKEN)) {
            return replay(a, key);
        }
        if (failed.contains(Write.CLUSTER_COUNT)) {
            Cluster cluster = findCluster(a.clusterName()).orElseThrow(() -> ServiceException.clusterNotFound(a.clusterName()));
            throw ServiceException.limitExceeded("Cluster " + cluster.name() + " already has " + cluster.associationCount()
                    + " pod identity associations, the maximum is " + MAX_ASSOCIATIONS_PER_CLUSTER);
        }
        if (failed.contains(Write.BINDING)) {
            String existing = findBinding(a.clusterName(), a.namespace(), a.serviceAccount())
                    .map(SubjectBinding::associationId).orElse("(deleted meanwhile)");
            throw ServiceException.inUse("Association already exists: " + existing);
        }
        throw new ConflictException("Another request is changing pod identity associations of cluster "
                + a.clusterName() + "; retry");
    }

    /** The token was used before: the same request answers the original association, another request is refused. */
    private Association replay(Association a, IdempotencyKey key) {
        Map<String, AttributeValue> token = getItem(ItemMapper.tokenKey(a.clusterName(), key.token()))
                .orElseThrow(() -> new ConflictException("clientRequestToken is in use by a concurrent request; retry"));
        if (!key.requestHash().equals(Attributes.string(token, REQUEST_HASH))) {
            throw ServiceException.invalidRequest("clientRequestToken '" + key.token()
                    + "' was already used with different parameters: use a new token for a new request");
        }
        String originalId = Attributes.string(token, ASSOCIATION_ID);
        return findAssociation(a.clusterName(), originalId).orElseThrow(() -> ServiceException.inUse(
                "clientRequestToken '" + key.token() + "' already created association " + originalId
                        + ", which has since been deleted: use a new token to create it again"));
    }

    @Override
    public Optional<Association> findAssociation(String clusterName, String associationId) {
        return getItem(ItemMapper.associationKey(clusterName, associationId)).map(ItemMapper::association);
    }

    @Override
    public Page<AssociationSummary> listAssociations(String clusterName, String namespace, String serviceAccount,
                                                     int limit, String startAfter) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":pk", s(TableSchema.clusterPk(clusterName)));
        String keyCondition;
        if (namespace != null && serviceAccount != null) {
            keyCondition = "pk = :pk AND sk = :sk";
            values.put(":sk", s(TableSchema.subjectSk(namespace, serviceAccount)));
        } else {
            keyCondition = "pk = :pk AND begins_with(sk, :prefix)";
            values.put(":prefix", s(TableSchema.subjectPrefix(namespace)));
        }
        String filter = null;
        if (namespace == null && serviceAccount != null) {
            filter = "serviceAccount = :sa";
            values.put(":sa", s(serviceAccount));
        }
        List<AssociationSummary> collected = new ArrayList<>(limit);
        Map<String, AttributeValue> start = startAfter == null ? null
                : ItemMapper.key(TableSchema.clusterPk(clusterName), startAfter);
        String lastKey = null;
        while (collected.size() < limit) {
            QueryRequest.Builder query = QueryRequest.builder().tableName(table)
                    .keyConditionExpression(keyCondition)
                    .expressionAttributeValues(values)
                    .consistentRead(true)
                    .limit(filter == null ? limit - collected.size() : Math.max(limit, 100));
            if (filter != null) {
                query.filterExpression(filter);
            }
            if (start != null) {
                query.exclusiveStartKey(start);
            }
            QueryResponse response = query(query.build());
            boolean more = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty();
            for (Map<String, AttributeValue> item : response.items()) {
                if (collected.size() == limit) {
                    more = true;
                    break;
                }
                collected.add(ItemMapper.summary(item));
                lastKey = Attributes.string(item, TableSchema.SK);
            }
            if (!more) {
                return new Page<>(collected, null);
            }
            if (collected.size() < limit) {
                start = response.lastEvaluatedKey();
                lastKey = Attributes.string(start, TableSchema.SK);
            }
        }
        return new Page<>(collected, lastKey);
    }

    @Override
    public Association updateAssociation(Association previous, Association updated) {
        Association stored = new Association(updated.clusterName(), updated.namespace(), updated.serviceAccount(),
                updated.roleArn(), updated.associationArn(), updated.associationId(), updated.tags(), updated.createdAt(),
                updated.modifiedAt(), updated.ownerArn(), updated.disableSessionTags(), updated.targetRoleArn(),
                updated.externalId(), updated.policy(), previous.version() + 1);
        NamedWrites<Write> writes = new NamedWrites<>(Write.class)
                .add(Write.ASSOCIATION, TransactWriteItem.builder().put(Put.builder().tableName(table)
                        .item(ItemMapper.associationItem(stored))
                        .conditionExpression("version = :expected")
                        .expressionAttributeValues(Map.of(":expected", n(previous.version())))
                        .build()).build())
                .add(Write.BINDING, TransactWriteItem.builder().put(Put.builder().tableName(table)
                        .item(ItemMapper.bindingItem(stored))
                        .conditionExpression("associationId = :id")
                        .expressionAttributeValues(Map.of(":id", s(previous.associationId())))
                        .build()).build());
        if (transact(writes).isPresent()) {
            throw changedOrGone(previous);
        }
        return stored;
    }

    @Override
    public void deleteAssociation(Association a) {
        NamedWrites<Write> writes = new NamedWrites<>(Write.class)
                .add(Write.ASSOCIATION, TransactWriteItem.builder().delete(Delete.builder().tableName(table)
                        .key(ItemMapper.associationKey(a.clusterName(), a.associationId()))
                        .conditionExpression("version = :expected")
                        .expressionAttributeValues(Map.of(":expected", n(a.version())))
                        .build()).build())
                .add(Write.BINDING, TransactWriteItem.builder().delete(Delete.builder().tableName(table)
                        .key(ItemMapper.bindingKey(a.clusterName(), a.namespace(), a.serviceAccount()))
                        .conditionExpression("associationId = :id")
                        .expressionAttributeValues(Map.of(":id", s(a.associationId())))
                        .build()).build())
                .add(Write.CLUSTER_COUNT, TransactWriteItem.builder().update(Update.builder().tableName(table)
                        .key(ItemMapper.clusterKey(a.clusterName()))
                        .updateExpression("SET associationCount = associationCount - :one")
                        .conditionExpression("attribute_exists(pk)")
                        .expressionAttributeValues(Map.of(":one", n(1)))
                        .build()).build());
        if (transact(writes).isPresent()) {
            throw changedOrGone(a);
        }
    }

    private ServiceException changedOrGone(Association a) {
        if (findAssociation(a.clusterName(), a.associationId()).isEmpty()) {
            return ServiceException.associationNotFound(a.clusterName(), a.associationId());
        }
        return new ConflictException("Association " + a.associationId() + " was changed by another request; retry");
    }

    @Override
    public Optional<SubjectBinding> findBinding(String clusterName, String namespace, String serviceAccount) {
        return getItem(ItemMapper.bindingKey(clusterName, namespace, serviceAccount)).map(ItemMapper::binding);
    }

    // ----------------------------------------------------------------- helpers

    /**
     * Runs the transaction; answers empty when it committed, or the writes whose condition failed when it was
     * cancelled (an empty set: cancelled by conflicting concurrent transactions on every attempt). Cancellations
     * caused only by conflicting transactions are retried.
     */
    private Optional<Set<Write>> transact(NamedWrites<Write> writes) {
        for (int attempt = 1; ; attempt++) {
            try {
                dynamo.transactWriteItems(r -> r.transactItems(writes.items()));
                return Optional.empty();
            } catch (TransactionCanceledException cancelled) {
                List<CancellationReason> reasons = cancelled.hasCancellationReasons()
                        ? cancelled.cancellationReasons() : List.of();
                Set<Write> failed = writes.failedConditions(reasons);
                if (!failed.isEmpty() || attempt >= TRANSACTION_ATTEMPTS) {
                    return Optional.of(failed);
                }
                backoff(attempt);
            } catch (SdkException e) {
                throw translate(e);
            }
        }
    }

    private static void backoff(int attempt) {
        try {
            Thread.sleep((long) (Math.random() * 10 * attempt) + 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceException(ErrorCode.SERVICE_UNAVAILABLE, "Interrupted; retry");
        }
    }

    private Optional<Map<String, AttributeValue>> getItem(Map<String, AttributeValue> key) {
        try {
            Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).key(key).consistentRead(true)).item();
            return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
        } catch (SdkException e) {
            throw translate(e);
        }
    }

    private QueryResponse query(QueryRequest request) {
        try {
            return dynamo.query(request);
        } catch (SdkException e) {
            throw translate(e);
        }
    }

    /**
     * DynamoDB failures as the service reports them: throttling 429, outages and timeouts retryable 503 (as
     * {@link AwsFailures} decides), anything else (e.g. a validation error, which is our bug) a 500.
     */
    static ServiceException translate(SdkException e) {
        return AwsFailures.retryable(e, "The data store")
                .orElseGet(() -> new ServiceException(ErrorCode.SERVER, "Unexpected data store error", e));
    }
}
