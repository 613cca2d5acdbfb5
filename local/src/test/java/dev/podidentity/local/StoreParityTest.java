package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podidentity.adapter.dynamodb.DynamoStore;
import dev.podidentity.domain.Association;
import dev.podidentity.domain.AssociationId;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.IdempotencyKey;
import dev.podidentity.domain.PodDeletion;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.testing.InMemoryStore;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The in-memory store the service unit tests run on fails like the DynamoDB adapter: each conflict, run on both, ends
 * in the same exception type, error code and message.
 */
class StoreParityTest {
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    static DynamoDbClient dynamo;

    @BeforeAll
    static void setUp() {
        dynamo = TestStack.dynamo();
    }

    @AfterAll
    static void tearDown() {
        dynamo.close();
    }

    static Cluster cluster(String name) {
        return new Cluster(name, "arn:aws:eks:us-east-1:000000000000:cluster/" + name, "https://issuer/" + name,
                "{\"keys\":[]}", Map.of(), NOW, NOW, 0, 1);
    }

    static Association association(String cluster, String id, String sa) {
        return new Association(cluster, "ns", sa, "arn:aws:iam::000000000000:role/r", "arn:x/" + id, id, Map.of(),
                NOW, NOW, null, false, null, null, null, 1);
    }

    static IdempotencyKey key(String token, String hash) {
        return new IdempotencyKey(token, hash, NOW.plusSeconds(3600));
    }

    /** Each scenario gets a registered, empty cluster and two association ids, the same on both stores. */
    static Stream<Arguments> conflicts() {
        return Stream.of(
                Arguments.of("duplicate binding", (Scenario) (s, c, id1, id2) -> {
                    s.createAssociation(association(c, id1, "sa"), null);
                    s.createAssociation(association(c, id2, "sa"), null);
                }),
                Arguments.of("token reused with other parameters", (Scenario) (s, c, id1, id2) -> {
                    s.createAssociation(association(c, id1, "sa"), key("tok", "h1"));
                    s.createAssociation(association(c, id2, "other"), key("tok", "h2"));
                }),
                Arguments.of("token of a deleted association", (Scenario) (s, c, id1, id2) -> {
                    Association a = s.createAssociation(association(c, id1, "sa"), key("tok", "h1"));
                    s.deleteAssociation(a);
                    s.createAssociation(association(c, id2, "sa"), key("tok", "h1"));
                }),
                Arguments.of("stale update", (Scenario) (s, c, id1, id2) -> {
                    Association a = s.createAssociation(association(c, id1, "sa"), null);
                    s.updateAssociation(a, a.withTags(Map.of("x", "1"), NOW));
                    s.updateAssociation(a, a.withTags(Map.of("x", "2"), NOW));
                }),
                Arguments.of("stale delete", (Scenario) (s, c, id1, id2) -> {
                    Association a = s.createAssociation(association(c, id1, "sa"), null);
                    s.updateAssociation(a, a.withTags(Map.of("x", "1"), NOW));
                    s.deleteAssociation(a);
                }),
                Arguments.of("update of a deleted association", (Scenario) (s, c, id1, id2) -> {
                    Association a = s.createAssociation(association(c, id1, "sa"), null);
                    s.deleteAssociation(a);
                    s.updateAssociation(a, a.withTags(Map.of("x", "1"), NOW));
                }),
                Arguments.of("cluster with associations deleted", (Scenario) (s, c, id1, id2) -> {
                    s.createAssociation(association(c, id1, "sa"), null);
                    s.deleteCluster(c);
                }),
                Arguments.of("stale cluster tags", (Scenario) (s, c, id1, id2) -> {
                    Cluster read = s.findCluster(c).orElseThrow();
                    s.replaceClusterTags(read, Map.of("a", "1"));
                    s.replaceClusterTags(read, Map.of("a", "2"));
                }),
                Arguments.of("association in an unregistered cluster", (Scenario) (s, c, id1, id2) ->
                        s.createAssociation(association(c + "-absent", id1, "sa"), null)),
                Arguments.of("unregistered cluster deleted", (Scenario) (s, c, id1, id2) -> s.deleteCluster(c + "-absent")));
    }

    /** Tombstones: the earlier deletion time stands on both stores, read alone or with the binding. */
    @org.junit.jupiter.api.Test
    void bothStores_keepTheEarlierPodDeletion_andReadItWithTheBinding() {
        String cluster = TestStack.unique("parity-d");
        String id = AssociationId.random().value();
        List<String> seen = new java.util.ArrayList<>();
        for (PodIdentityStore store : List.of(new DynamoStore(dynamo, LocalStack.TABLE, Clock.systemUTC()),
                new InMemoryStore(Clock.systemUTC()))) {
            store.registerCluster(cluster(cluster));
            store.createAssociation(association(cluster, id, "sa"), null);
            store.recordPodDeletion(new PodDeletion(cluster, "u1", "ns", "p", NOW.plusSeconds(30), NOW.plusSeconds(90)));
            store.recordPodDeletion(new PodDeletion(cluster, "u1", "ns", "p", NOW, NOW.plusSeconds(60)));
            store.recordPodDeletion(new PodDeletion(cluster, "u1", "ns", "p", NOW.plusSeconds(10), NOW.plusSeconds(70)));
            seen.add(store.findBindingAndDeletion(cluster, "ns", "sa", "u1") + " | "
                    + store.findBindingAndDeletion(cluster, "ns", "sa", "u2") + " | " + store.findPodDeletion(cluster, "u1"));
        }
        assertThat(seen.get(0)).contains("deletedAt=" + NOW, "associationId=" + id);
        assertThat(seen.get(1)).isEqualTo(seen.get(0));
    }

    @FunctionalInterface
    interface Scenario {
        void run(PodIdentityStore store, String cluster, String id1, String id2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conflicts")
    void bothStores_failAlike(String name, Scenario scenario) {
        String cluster = TestStack.unique("parity");
        String id1 = AssociationId.random().value();
        String id2 = AssociationId.random().value();

        String dynamoOutcome = outcome(new DynamoStore(dynamo, LocalStack.TABLE, Clock.systemUTC()), cluster, id1, id2, scenario);
        String memoryOutcome = outcome(new InMemoryStore(Clock.systemUTC()), cluster, id1, id2, scenario);

        assertThat(dynamoOutcome).isNotEqualTo("no failure");
        assertThat(memoryOutcome).isEqualTo(dynamoOutcome);
    }

    static String outcome(PodIdentityStore store, String cluster, String id1, String id2, Scenario scenario) {
        store.registerCluster(cluster(cluster));
        try {
            scenario.run(store, cluster, id1, id2);
            return "no failure";
        } catch (ServiceException e) {
            return e.getClass().getSimpleName() + " " + e.code() + " " + e.getMessage();
        }
    }
}
