package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.podidentity.adapter.dynamodb.DynamoStore;
import dev.podidentity.domain.Association;
import dev.podidentity.domain.AssociationId;
import dev.podidentity.domain.AssociationSummary;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.ConflictException;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.IdempotencyKey;
import dev.podidentity.domain.Page;
import dev.podidentity.domain.PodDeletion;
import dev.podidentity.domain.ServiceException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * The DynamoDB adapter over HTTP with the real SDK client, against two independent backends: dynalite plus our
 * transaction/TTL layer ({@link DynamoStoreOnDynaliteTest}) and moto's server ({@link DynamoStoreOnMotoTest}). The
 * shim is written here, so it is not its own oracle: every assertion must hold on both.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DynamoStoreTest {
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    DynamoDbClient dynamo;
    DynamoStore store;

    enum Backend { DYNALITE_WITH_SHIM, MOTO }

    abstract Backend backend();

    /** Starts (or finds) the backend and answers its endpoint, with the service's table in place. */
    abstract URI startBackend();

    abstract void stopBackend();

    static DynamoDbClient client(URI endpoint) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(() -> AwsBasicCredentials.create("local", "local"))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @BeforeAll
    void setUp() {
        dynamo = client(startBackend());
        store = new DynamoStore(dynamo, LocalStack.TABLE, Clock.systemUTC());
    }

    @AfterAll
    void tearDown() {
        try {
            if (dynamo != null) {
                dynamo.close();
            }
        } finally {
            stopBackend();
        }
    }

    static Cluster cluster(String name) {
        return new Cluster(name, "arn:aws:eks:us-east-1:000000000000:cluster/" + name, "https://issuer/" + name,
                "{\"keys\":[]}", Map.of("t", "1"), NOW, NOW, 0, 1);
    }

    static Association association(String cluster, String ns, String sa) {
        String id = AssociationId.random().value();
        return new Association(cluster, ns, sa, "arn:aws:iam::000000000000:role/r", "arn:x/" + id, id, Map.of("k", "v"),
                NOW, NOW, null, false, null, null, null, 1);
    }

    @Test
    void cluster_registerFindUpdateMergesTagsAndKeepsCount() {
        String name = TestStack.unique("store-c");
        assertThat(store.registerCluster(cluster(name))).isEqualTo(cluster(name));
        assertThat(store.findCluster(name)).contains(cluster(name));
        store.createAssociation(association(name, "ns", "sa"), null);
        Cluster rotated = new Cluster(name, "ignored", "https://new-issuer", "{\"keys\":[1]}", Map.of("u", "2"), NOW,
                NOW.plusSeconds(5), 0, 1);
        Cluster stored = store.registerCluster(rotated);
        assertThat(stored.issuer()).isEqualTo("https://new-issuer");
        assertThat(stored.tags()).containsEntry("t", "1").containsEntry("u", "2");
        assertThat(stored.associationCount()).isEqualTo(1);
        assertThat(stored.createdAt()).isEqualTo(NOW);
        assertThat(store.findCluster(name).orElseThrow()).isEqualTo(stored);
    }

    @Test
    void cluster_webhookSettingsAndALoweredLifetime_roundTrip_andRaisingItRemovesThePendingChange() {
        String name = TestStack.unique("store-l");
        Cluster first = new Cluster(name, "arn:aws:eks:us-east-1:000000000000:cluster/" + name, "https://issuer/" + name,
                "{\"keys\":[]}", Map.of(), NOW, NOW, 0, 1, 7200, "hash", dev.podidentity.domain.IpFamily.IPV6,
                "eu-west-1", 0, null);
        assertThat(store.registerCluster(first)).isEqualTo(first);
        assertThat(store.findCluster(name)).contains(first);
        Cluster lower = new Cluster(name, "x", first.issuer(), first.jwksJson(), Map.of(), NOW, NOW.plusSeconds(60), 0, 1,
                600, "other", null, null, 0, null);
        Cluster lowered = store.registerCluster(lower, true, false);
        assertThat(lowered.previousPodTokenLifetimeSeconds()).isEqualTo(7200);
        assertThat(lowered.podTokenLifetimeEffectiveAt()).isEqualTo(NOW.plusSeconds(60 + 7200 + 90));
        assertThat(lowered.ipFamily()).as("kept").isEqualTo(dev.podidentity.domain.IpFamily.IPV6);
        assertThat(lowered.region()).as("kept").isEqualTo("eu-west-1");
        assertThat(store.findCluster(name)).contains(lowered);
        Cluster raise = new Cluster(name, "x", first.issuer(), first.jwksJson(), Map.of(), NOW, NOW.plusSeconds(120), 0, 1,
                86400, "other", dev.podidentity.domain.IpFamily.IPV4, null, 0, null);
        Cluster raised = store.registerCluster(raise, true, false);
        assertThat(raised.podTokenLifetimeEffectiveAt()).isNull();
        assertThat(store.findCluster(name)).contains(raised);
        assertThat(store.findCluster(name).orElseThrow().ipFamily()).isEqualTo(dev.podidentity.domain.IpFamily.IPV4);
    }

    @Test
    void deleteCluster_isRefused_whileAssociationsExist_andWorksAfter() {
        String name = TestStack.unique("store-d");
        store.registerCluster(cluster(name));
        Association a = store.createAssociation(association(name, "ns", "sa"), null);
        assertThatThrownBy(() -> store.deleteCluster(name)).isInstanceOfSatisfying(ServiceException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_IN_USE));
        store.deleteAssociation(store.findAssociation(name, a.associationId()).orElseThrow());
        assertThat(store.deleteCluster(name).name()).isEqualTo(name);
        assertThat(store.findCluster(name)).isEmpty();
        assertThatThrownBy(() -> store.deleteCluster(name)).isInstanceOfSatisfying(ServiceException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND));
    }

    @Test
    void createAssociation_writesAssociationBindingAndCount_atomically() {
        String name = TestStack.unique("store-a");
        store.registerCluster(cluster(name));
        Association a = store.createAssociation(association(name, "ns", "sa"), null);
        assertThat(store.findAssociation(name, a.associationId())).contains(a);
        assertThat(store.findBinding(name, "ns", "sa")).hasValueSatisfying(b -> {
            assertThat(b.associationId()).isEqualTo(a.associationId());
            assertThat(b.roleArn()).isEqualTo(a.roleArn());
        });
        assertThat(store.findCluster(name).orElseThrow().associationCount()).isEqualTo(1);

        Association duplicate = association(name, "ns", "sa");
        assertThatThrownBy(() -> store.createAssociation(duplicate, null))
                .hasMessageContaining("Association already exists: " + a.associationId());
        assertThat(store.findAssociation(name, duplicate.associationId())).as("no partial write").isEmpty();
        assertThat(store.findCluster(name).orElseThrow().associationCount()).isEqualTo(1);
        assertThatThrownBy(() -> store.createAssociation(association("no-cluster-here", "ns", "sa"), null))
                .hasMessageContaining("No cluster found");
        assertThat(store.findBinding("no-cluster-here", "ns", "sa")).isEmpty();
    }

    @Test
    void createAssociation_withAToken_answersTheOriginal_andRefusesOtherParameters() {
        String name = TestStack.unique("store-t");
        store.registerCluster(cluster(name));
        IdempotencyKey key = new IdempotencyKey("tok-1", "hash-1", NOW.plusSeconds(3600));
        Association first = store.createAssociation(association(name, "ns", "sa"), key);
        Association retry = store.createAssociation(association(name, "ns", "sa"), key);
        assertThat(retry.associationId()).isEqualTo(first.associationId());
        assertThatThrownBy(() -> store.createAssociation(association(name, "ns", "other"),
                new IdempotencyKey("tok-1", "hash-2", NOW.plusSeconds(3600))))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
        assertThat(store.findBinding(name, "ns", "other")).isEmpty();
        assertThat(store.findCluster(name).orElseThrow().associationCount()).isEqualTo(1);
    }

    @Test
    void createAssociation_reusesAnExpiredToken() {
        String name = TestStack.unique("store-x");
        store.registerCluster(cluster(name));
        store.createAssociation(association(name, "ns", "a"), new IdempotencyKey("tok", "h1", NOW.minusSeconds(10)));
        Association second = store.createAssociation(association(name, "ns", "b"), new IdempotencyKey("tok", "h2", NOW.plusSeconds(60)));
        assertThat(second.serviceAccount()).isEqualTo("b");
    }

    @Test
    void updateAndDelete_areRefused_whenTheAssociationChangedSinceItWasRead() {
        String name = TestStack.unique("store-u");
        store.registerCluster(cluster(name));
        Association a = store.createAssociation(association(name, "ns", "sa"), null);
        Association updated = store.updateAssociation(a, a.withTags(Map.of("x", "y"), NOW));
        assertThat(updated.version()).isEqualTo(2);
        assertThatThrownBy(() -> store.updateAssociation(a, a.withTags(Map.of(), NOW))).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> store.deleteAssociation(a)).isInstanceOf(ConflictException.class);
        store.deleteAssociation(updated);
        assertThat(store.findBinding(name, "ns", "sa")).isEmpty();
        assertThat(store.findCluster(name).orElseThrow().associationCount()).isZero();
        assertThatThrownBy(() -> store.deleteAssociation(updated)).isInstanceOfSatisfying(ServiceException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND));
    }

    @Test
    void listAssociations_pagesByKey_andFilters() {
        String name = TestStack.unique("store-l");
        store.registerCluster(cluster(name));
        for (int i = 0; i < 12; i++) {
            store.createAssociation(association(name, "n" + (i % 4), "sa" + (i % 3)), null);
        }
        // a token item must never appear in listings
        store.createAssociation(association(name, "c", "sa9"), new IdempotencyKey("t", "h", NOW.plusSeconds(60)));
        List<AssociationSummary> all = new ArrayList<>();
        String start = null;
        do {
            Page<AssociationSummary> page = store.listAssociations(name, null, null, 5, start);
            assertThat(page.items()).hasSizeLessThanOrEqualTo(5);
            all.addAll(page.items());
            start = page.lastKey();
        } while (start != null);
        assertThat(all).hasSize(13);
        assertThat(store.listAssociations(name, "n0", null, 100, null).items()).hasSize(3);
        assertThat(store.listAssociations(name, null, "sa1", 2, null).items()).hasSize(2)
                .allMatch(s -> s.serviceAccount().equals("sa1"));
        assertThat(store.listAssociations(name, null, "sa1", 100, null).items()).hasSize(4);
        assertThat(store.listAssociations(name, "n1", "sa1", 100, null).items()).hasSize(1);
    }

    @Test
    void transactions_rollBack_andReportEveryReason() {
        String name = TestStack.unique("store-r");
        store.registerCluster(cluster(name));
        var key = Map.of("pk", AttributeValue.fromS("T#" + name), "sk", AttributeValue.fromS("x"));
        var cancelled = org.assertj.core.api.Assertions.catchThrowableOfType(
                software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException.class,
                () -> dynamo.transactWriteItems(r -> r.transactItems(
                        TransactWriteItem.builder().put(p -> p.tableName(LocalStack.TABLE).item(key)).build(),
                        TransactWriteItem.builder().conditionCheck(c -> c.tableName(LocalStack.TABLE)
                                .key(Map.of("pk", AttributeValue.fromS("CLUSTER#" + name), "sk", AttributeValue.fromS("CLUSTER")))
                                .conditionExpression("attribute_not_exists(pk)")).build())));
        assertThat(cancelled.cancellationReasons()).extracting(r -> r.code())
                .containsExactly("None", "ConditionalCheckFailed");
        assertThat(dynamo.getItem(r -> r.tableName(LocalStack.TABLE).key(key)).hasItem()).as("rolled back").isFalse();
        assertThat(store.findCluster(name)).as("condition check keeps the item").isPresent();
    }

    @Test
    void transactions_reportEveryFailedCondition_withTheOldItemOnlyWhereAsked() {
        String name = TestStack.unique("store-q");
        store.registerCluster(cluster(name));
        var clusterKey = Map.of("pk", AttributeValue.fromS("CLUSTER#" + name), "sk", AttributeValue.fromS("CLUSTER"));
        var fresh = Map.of("pk", AttributeValue.fromS("T#" + name), "sk", AttributeValue.fromS("fresh"));
        var absent = Map.of("pk", AttributeValue.fromS("T#" + name), "sk", AttributeValue.fromS("absent"));
        var counter = Map.of("pk", AttributeValue.fromS("T#" + name), "sk", AttributeValue.fromS("counter"));
        dynamo.putItem(r -> r.tableName(LocalStack.TABLE).item(Map.of("pk", counter.get("pk"), "sk", counter.get("sk"),
                "n", AttributeValue.fromN("5"))));
        var cancelled = org.assertj.core.api.Assertions.catchThrowableOfType(TransactionCanceledException.class,
                () -> dynamo.transactWriteItems(r -> r.transactItems(
                        TransactWriteItem.builder().conditionCheck(c -> c.tableName(LocalStack.TABLE).key(clusterKey)
                                .conditionExpression("attribute_not_exists(pk)")
                                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)).build(),
                        TransactWriteItem.builder().put(p -> p.tableName(LocalStack.TABLE).item(fresh)).build(),
                        TransactWriteItem.builder().delete(d -> d.tableName(LocalStack.TABLE).key(absent)
                                .conditionExpression("attribute_exists(pk)")
                                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)).build(),
                        TransactWriteItem.builder().update(u -> u.tableName(LocalStack.TABLE).key(counter)
                                .updateExpression("SET #n = #n + :one")
                                .conditionExpression("#n > :ten")
                                .expressionAttributeNames(Map.of("#n", "n"))
                                .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"),
                                        ":ten", AttributeValue.fromN("10")))).build())));
        assertThat(cancelled).as("the transaction is cancelled").isNotNull();
        List<CancellationReason> reasons = cancelled.cancellationReasons();
        assertThat(reasons).extracting(CancellationReason::code)
                .containsExactly("ConditionalCheckFailed", "None", "ConditionalCheckFailed", "ConditionalCheckFailed");
        // the API reference's message for a failed condition; "None" carries no message
        assertThat(reasons).extracting(CancellationReason::message)
                .containsExactly("The conditional request failed", null, "The conditional request failed",
                        "The conditional request failed");
        assertThat(reasons.get(0).item()).as("ALL_OLD on an existing item returns it")
                .containsEntry("pk", clusterKey.get("pk")).containsEntry("sk", clusterKey.get("sk"));
        assertThat(reasons.get(2).hasItem()).as("ALL_OLD on an absent item has nothing to return").isFalse();
        assertThat(reasons.get(3).hasItem()).as("no item unless asked").isFalse();
        assertThat(dynamo.getItem(r -> r.tableName(LocalStack.TABLE).key(fresh)).hasItem()).as("rolled back").isFalse();
        assertThat(dynamo.getItem(r -> r.tableName(LocalStack.TABLE).key(counter).consistentRead(true)).item())
                .containsEntry("n", AttributeValue.fromN("5"));
    }

    @Test
    void transactGet_answersOneResponsePerKey_emptyWhereAbsent() {
        String name = TestStack.unique("store-g");
        store.registerCluster(cluster(name));
        var present = Map.of("pk", AttributeValue.fromS("CLUSTER#" + name), "sk", AttributeValue.fromS("CLUSTER"));
        var absent = Map.of("pk", AttributeValue.fromS("CLUSTER#" + name + "-none"), "sk", AttributeValue.fromS("CLUSTER"));
        var responses = dynamo.transactGetItems(r -> r.transactItems(
                TransactGetItem.builder().get(g -> g.tableName(LocalStack.TABLE).key(present)).build(),
                TransactGetItem.builder().get(g -> g.tableName(LocalStack.TABLE).key(absent)).build())).responses();
        assertThat(responses).hasSize(2);
        assertThat(responses.get(0).item()).containsEntry("pk", present.get("pk"))
                .containsEntry("associationCount", AttributeValue.fromN("0"));
        assertThat(responses.get(1).item()).as("no item for an absent key").isNullOrEmpty();
    }

    @Test
    void podDeletions_areReadWithTheBinding_inOneBatch_keepTheEarlierTime_andCarryTheTtl() {
        String name = TestStack.unique("store-d");
        store.registerCluster(cluster(name));
        Association a = store.createAssociation(association(name, "ns", "sa"), null);
        var none = store.findBindingAndDeletion(name, "ns", "sa", "uid-1");
        assertThat(none.binding()).contains(store.findBinding(name, "ns", "sa").orElseThrow());
        assertThat(none.binding().orElseThrow().associationId()).isEqualTo(a.associationId());
        assertThat(none.deletion()).isEmpty();

        PodDeletion later = new PodDeletion(name, "uid-1", "ns", "pod-1", NOW.plusSeconds(30), NOW.plusSeconds(3690));
        PodDeletion earlier = new PodDeletion(name, "uid-1", "ns", "pod-1", NOW, NOW.plusSeconds(3660));
        store.recordPodDeletion(later);
        store.recordPodDeletion(earlier);
        store.recordPodDeletion(later);
        var both = store.findBindingAndDeletion(name, "ns", "sa", "uid-1");
        assertThat(both.binding()).isEqualTo(none.binding());
        assertThat(both.deletion()).contains(earlier);
        assertThat(store.findPodDeletion(name, "uid-1")).contains(earlier);
        var item = dynamo.getItem(r -> r.tableName(LocalStack.TABLE).consistentRead(true).key(Map.of(
                "pk", AttributeValue.fromS("CLUSTER#" + name), "sk", AttributeValue.fromS("POD#uid-1")))).item();
        assertThat(item).as("DynamoDB TTL removes it once no token of the pod can be valid")
                .containsEntry(dev.podidentity.adapter.dynamodb.TableSchema.TTL_ATTRIBUTE,
                        AttributeValue.fromN(Long.toString(earlier.expiresAt().getEpochSecond())));

        var tombstoneOnly = store.findBindingAndDeletion(name, "ns", "other", "uid-1");
        assertThat(tombstoneOnly.binding()).isEmpty();
        assertThat(tombstoneOnly.deletion()).contains(earlier);
        assertThat(store.findBindingAndDeletion(name, "ns", "sa", "uid-2").deletion()).as("another pod").isEmpty();
        assertThat(store.findBindingAndDeletion(name + "-x", "ns", "sa", "uid-1").deletion()).as("another cluster").isEmpty();
    }

    @Test
    void timeToLive_isEnabledOnTheTokenExpiry() {
        var ttl = dynamo.describeTimeToLive(r -> r.tableName(LocalStack.TABLE)).timeToLiveDescription();
        assertThat(ttl.timeToLiveStatus()).isEqualTo(TimeToLiveStatus.ENABLED);
        assertThat(ttl.attributeName()).isEqualTo(dev.podidentity.adapter.dynamodb.TableSchema.TTL_ATTRIBUTE);
    }

    @Test
    void transactions_cancelWithAValidationError_whenAnItemsDataDefeatsAnUpdate_butRefuseABadRequestWhole() {
        String name = TestStack.unique("store-v");
        store.registerCluster(cluster(name));
        var clusterKey = Map.of("pk", AttributeValue.fromS("CLUSTER#" + name), "sk", AttributeValue.fromS("CLUSTER"));
        var fresh = Map.of("pk", AttributeValue.fromS("T#" + name), "sk", AttributeValue.fromS("fresh"));
        TransactWriteItem put = TransactWriteItem.builder().put(p -> p.tableName(LocalStack.TABLE).item(fresh)).build();
        // "tags" is a map: adding a number to it is valid syntax that this item's data defeats
        TransactWriteItem dataDefeated = TransactWriteItem.builder().update(u -> u.tableName(LocalStack.TABLE).key(clusterKey)
                .updateExpression("SET tags = tags + :one")
                .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1")))).build();
        Throwable thrown = catchThrowable(() -> dynamo.transactWriteItems(r -> r.transactItems(put, dataDefeated)));
        if (backend() == Backend.MOTO) {
            // moto 5.2.1 re-raises the item's ValidationException for the whole request (moto/dynamodb/models/
            // __init__.py, transact_write_items). DynamoDB cancels the transaction instead and names the action with
            // Code "ValidationError" ("An operand in the update expression has an incorrect data type"; AWS
            // Knowledge Center "dynamodb-transactwriteitems", and the TransactionCanceledException entry of the
            // TransactWriteItems API reference). Only the error's shape is adapted: nothing may be written either way.
            assertThat(thrown).isInstanceOfSatisfying(DynamoDbException.class,
                    e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException"));
        } else {
            assertThat(thrown).isInstanceOfSatisfying(TransactionCanceledException.class, e -> {
                assertThat(e.cancellationReasons()).extracting(CancellationReason::code).containsExactly("None", "ValidationError");
                assertThat(e.cancellationReasons().get(1).message()).isNotBlank();
            });
        }
        assertThat(dynamo.getItem(r -> r.tableName(LocalStack.TABLE).key(fresh)).hasItem()).as("rolled back").isFalse();
        assertThat(store.findCluster(name)).contains(cluster(name));

        // a request that cannot be valid for any item (a syntax error) is refused whole, with nothing cancelled
        TransactWriteItem malformed = TransactWriteItem.builder().update(u -> u.tableName(LocalStack.TABLE).key(clusterKey)
                .updateExpression("SET associationCount = :one :one")
                .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1")))).build();
        assertThatThrownBy(() -> dynamo.transactWriteItems(r -> r.transactItems(put, malformed)))
                .isInstanceOfSatisfying(DynamoDbException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException"));
        assertThat(dynamo.getItem(r -> r.tableName(LocalStack.TABLE).key(fresh)).hasItem()).isFalse();
        assertThat(store.findCluster(name)).contains(cluster(name));
    }

    @Test
    void aTransactionCancelledByAValidationError_isOurBug_a500WithTheReasonLogged_notARetryableConflict() {
        String name = TestStack.unique("store-bug");
        store.registerCluster(cluster(name));
        Association a = store.createAssociation(association(name, "ns", "sa"), null);
        // a count that is not a number: the delete's "associationCount - :one" is valid syntax this item's data defeats
        var clusterKey = Map.of("pk", AttributeValue.fromS("CLUSTER#" + name), "sk", AttributeValue.fromS("CLUSTER"));
        dynamo.updateItem(r -> r.tableName(LocalStack.TABLE).key(clusterKey).updateExpression("SET associationCount = :s")
                .expressionAttributeValues(Map.of(":s", AttributeValue.fromS("one"))));
        Throwable thrown;
        String logged;
        try (NoSecretsInLogsTest.CapturedLogs logs = new NoSecretsInLogsTest.CapturedLogs()) {
            thrown = catchThrowable(() -> store.deleteAssociation(a));
            logged = logs.text();
        }
        assertThat(thrown).isNotInstanceOf(ConflictException.class).isInstanceOfSatisfying(ServiceException.class,
                e -> assertThat(e.code()).as("our bug: a 500, not a retryable 409").isEqualTo(ErrorCode.SERVER));
        if (backend() == Backend.DYNALITE_WITH_SHIM) {
            // DynamoDB's (and the shim's) shape: a TransactionCanceledException with a ValidationError reason
            assertThat(logged).contains("ERROR", "write CLUSTER_COUNT is invalid for its item", "ValidationError");
        }
        assertThat(logged).doesNotContain(a.roleArn(), "one)");
        assertThat(store.findAssociation(name, a.associationId())).as("nothing deleted").contains(a);
    }
}
