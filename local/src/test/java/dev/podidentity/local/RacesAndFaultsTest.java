package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podidentity.local.aws.AwsStandIn;
import dev.podidentity.local.dynamo.TransactionalDynamo;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eks.model.EksException;
import software.amazon.awssdk.services.eks.model.PodIdentityAssociation;
import software.amazon.awssdk.services.eks.model.ResourceInUseException;
import software.amazon.awssdk.services.eks.model.ResourceNotFoundException;
import software.amazon.awssdk.services.eksauth.EksAuthClient;
import software.amazon.awssdk.services.eksauth.model.EksAuthException;

/** Races decided by DynamoDB conditions, and STS/DynamoDB faults answered as the wire contract says, with no partial writes. */
class RacesAndFaultsTest {
    static LocalStack stack;
    static EksClient eks;
    static String cluster;
    static String role;
    static String otherRole;

    @BeforeAll
    static void setUp() {
        stack = TestStack.get();
        eks = TestStack.eks();
        cluster = TestStack.registerCluster(TestStack.unique("races"));
        role = TestStack.brokerTrustedRole(TestStack.unique("race-role"));
        otherRole = TestStack.brokerTrustedRole(TestStack.unique("race-other"));
    }

    @AfterEach
    void clearFaults() {
        stack.dynamo().setFault(TransactionalDynamo.Fault.NONE, Set.of());
        stack.aws().setFault("sts", AwsStandIn.Fault.NONE);
    }

    @Test
    void hundredConcurrentCreates_forOneSubject_makeExactlyOneAssociation() throws Exception {
        List<String> outcomes = AssociationApiAcceptanceTest.concurrentCreates(eks, cluster, "hundred", "sa", role, 100);
        assertThat(outcomes.stream().filter(o -> !o.equals("409")).toList()).hasSize(1);
        assertConsistent("hundred", "sa");
    }

    @Test
    void concurrentCreateUpdateDelete_onOneSubject_leaveAssociationAndBindingInAgreement() throws Exception {
        // one seed for the run (-Draces.seed=N replays one), one per task derived from it: a failure names both
        long seed = Long.getLong("races.seed", System.nanoTime());
        Random seeds = new Random(seed);
        for (int round = 0; round < 5; round++) {
            List<Callable<String>> ops = new ArrayList<>();
            List<Long> taskSeeds = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                long taskSeed = seeds.nextLong();
                taskSeeds.add(taskSeed);
                Random random = new Random(taskSeed);
                int kind = random.nextInt(3);
                ops.add(() -> {
                    try {
                        switch (kind) {
                            case 0 -> eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("mixed")
                                    .serviceAccount("sa").roleArn(role));
                            case 1 -> current("mixed", "sa").ifPresent(id -> eks.updatePodIdentityAssociation(r ->
                                    r.clusterName(cluster).associationId(id).roleArn(random.nextBoolean() ? role : otherRole)));
                            default -> current("mixed", "sa").ifPresent(id -> eks.deletePodIdentityAssociation(r ->
                                    r.clusterName(cluster).associationId(id)));
                        }
                        return "ok";
                    } catch (ResourceInUseException | ResourceNotFoundException e) {
                        return e.getClass().getSimpleName();
                    }
                });
            }
            List<String> outcomes = AssociationApiAcceptanceTest.runAll(ops);
            String replay = "-Draces.seed=" + seed + ", round " + round + ", task seeds " + taskSeeds + ", outcomes " + outcomes;
            assertThat(outcomes).as(replay).contains("ok");
            assertConsistent("mixed", "sa", replay);
        }
    }

    @Test
    void retriesAfterClientTimeouts_withOneToken_createNothingTwice() throws Exception {
        // the first attempt hangs 3 s, past its 1.5 s attempt timeout; the retry has 1.5 s, slack for two busy cores
        stack.dynamo().setHangDuration(Duration.ofMillis(3000));
        stack.dynamo().setFault(TransactionalDynamo.Fault.HANG, Set.of("TransactWriteItems"), 1);
        try (EksClient impatient = EksClient.builder()
                .endpointOverride(URI.create(stack.apiUrl()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(stack.adminCredentials()))
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(5)).build())
                .authSchemeProvider(eks.serviceClientConfiguration().authSchemeProvider())
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(Duration.ofMillis(1500)).retryStrategy(RetryMode.STANDARD))
                .build()) {
            PodIdentityAssociation a = impatient.createPodIdentityAssociation(r -> r.clusterName(cluster)
                    .namespace("timeout").serviceAccount("sa").roleArn(role)).association();
            // the first attempt's transaction hangs in the store after the client gave up: wait until it has finished
            assertThat(stack.dynamo().awaitFaultedRequests(Duration.ofSeconds(15))).as("the hung transaction finished").isTrue();
            assertThat(eks.listPodIdentityAssociations(r -> r.clusterName(cluster).namespace("timeout")).associations())
                    .singleElement().satisfies(s -> assertThat(s.associationId()).isEqualTo(a.associationId()));
        }
        assertConsistent("timeout", "sa");
    }

    @Test
    void aTransactionFailingHalfway_isRolledBack_andAnswered503() {
        int before = clusterCount();
        stack.dynamo().setFault(TransactionalDynamo.Fault.FAIL_MID_TRANSACTION, Set.of("TransactWriteItems"));
        assertThatThrownBy(() -> eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("halfway")
                .serviceAccount("sa").roleArn(role)))
                .isInstanceOfSatisfying(EksException.class, e -> assertThat(e.statusCode()).isEqualTo(503));
        stack.dynamo().setFault(TransactionalDynamo.Fault.NONE, Set.of());
        assertThat(eks.listPodIdentityAssociations(r -> r.clusterName(cluster).namespace("halfway")).associations()).isEmpty();
        assertThat(associationItems("halfway", "sa")).isEmpty();
        assertThat(clusterCount()).isEqualTo(before);
    }

    @Test
    void dynamoDbFaults_becomeRetryableErrors_withBoundedLatency() {
        stack.dynamo().setFault(TransactionalDynamo.Fault.THROTTLE, Set.of("GetItem"));
        assertThatThrownBy(() -> eks.describeCluster(r -> r.name(cluster)))
                .isInstanceOfSatisfying(EksException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException");
                });
        stack.dynamo().setFault(TransactionalDynamo.Fault.FAIL, Set.of("GetItem"));
        assertThatThrownBy(() -> eks.describeCluster(r -> r.name(cluster)))
                .isInstanceOfSatisfying(EksException.class, e -> assertThat(e.statusCode()).isEqualTo(503));

        String ns = "dfault" + ProcessHandle.current().pid();
        eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace(ns).serviceAccount("sa").roleArn(role));
        String token = tokenFor(ns);
        stack.dynamo().setHangDuration(Duration.ofSeconds(5));
        // every read the broker makes: the cluster (GetItem), the binding and the pod's tombstone (BatchGetItem)
        stack.dynamo().setFault(TransactionalDynamo.Fault.HANG, Set.of("GetItem", "BatchGetItem"));
        try (EksAuthClient auth = eksAuth()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> auth.assumeRoleForPodIdentity(r -> r.clusterName(stack.localCluster().name()).token(token)))
                    .isInstanceOfSatisfying(EksAuthException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(503);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ServiceUnavailableException");
                    });
            // the store hangs 5 s, the broker's budget is 0.9 s: under 4 s (slack for two busy cores) it did not wait
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the broker gives up without waiting for the hang")
                    .isLessThan(Duration.ofMillis(4000));
        }
    }

    @Test
    void stsFaults_becomeTheWireContractsErrors_andNoCredentials() {
        String ns = "stsfault" + ProcessHandle.current().pid();
        eks.createPodIdentityAssociation(r -> r.clusterName(stack.localCluster().name()).namespace(ns)
                .serviceAccount("sa").roleArn(role));
        String token = tokenFor(ns);
        try (EksAuthClient auth = eksAuth()) {
            stack.aws().setFault("sts", AwsStandIn.Fault.THROTTLE);
            assertThatThrownBy(() -> auth.assumeRoleForPodIdentity(r -> r.clusterName(stack.localCluster().name()).token(token)))
                    .isInstanceOfSatisfying(EksAuthException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(429);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException");
                    });
            stack.aws().setFault("sts", AwsStandIn.Fault.FAIL);
            assertThatThrownBy(() -> auth.assumeRoleForPodIdentity(r -> r.clusterName(stack.localCluster().name()).token(token)))
                    .isInstanceOfSatisfying(EksAuthException.class, e -> assertThat(e.statusCode()).isEqualTo(503));
            stack.aws().setHangDuration(Duration.ofSeconds(5));
            stack.aws().setFault("sts", AwsStandIn.Fault.HANG);
            long start = System.nanoTime();
            assertThatThrownBy(() -> auth.assumeRoleForPodIdentity(r -> r.clusterName(stack.localCluster().name()).token(token)))
                    .isInstanceOfSatisfying(EksAuthException.class, e -> assertThat(e.statusCode()).isEqualTo(503));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("STS hangs 5 s; the broker gives up without waiting")
                    .isLessThan(Duration.ofMillis(4000));
            stack.aws().setFault("sts", AwsStandIn.Fault.NONE);
            assertThat(auth.assumeRoleForPodIdentity(r -> r.clusterName(stack.localCluster().name()).token(token))
                    .credentials().accessKeyId()).startsWith("ASIA");
        }
    }

    static EksAuthClient eksAuth() {
        return EksAuthClient.builder()
                .endpointOverride(URI.create(stack.apiUrl()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIANODE", "node")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD).apiCallAttemptTimeout(Duration.ofSeconds(3))
                        .retryStrategy(b -> b.maxAttempts(1)))
                .build();
    }

    static String tokenFor(String namespace) {
        return stack.localCluster().mint(namespace, "sa", "pod", "uid", Duration.ofHours(1));
    }

    java.util.Optional<String> current(String ns, String sa) {
        return eks.listPodIdentityAssociations(r -> r.clusterName(cluster).namespace(ns).serviceAccount(sa))
                .associations().stream().map(s -> s.associationId()).findFirst();
    }

    /** The association items, the subject binding and the cluster's count all tell the same story. */
    static void assertConsistent(String ns, String sa) {
        assertConsistent(ns, sa, "");
    }

    static void assertConsistent(String ns, String sa, String context) {
        List<Map<String, AttributeValue>> associations = associationItems(ns, sa);
        Map<String, AttributeValue> binding = item("SUBJECT#" + ns + "#" + sa);
        assertThat(associations.size()).as("at most one association per subject " + context).isLessThanOrEqualTo(1);
        if (associations.isEmpty()) {
            assertThat(binding).as("no binding without its association " + context).isEmpty();
        } else {
            Map<String, AttributeValue> a = associations.get(0);
            assertThat(binding).as("binding of " + a + " " + context).isNotEmpty();
            assertThat(binding.get("associationId").s()).as(context).isEqualTo(a.get("associationId").s());
            assertThat(binding.get("roleArn").s()).as(context).isEqualTo(a.get("roleArn").s());
        }
        assertThat(clusterCount()).as("the cluster counts its associations " + context).isEqualTo(allAssociationItems().size());
    }

    static List<Map<String, AttributeValue>> associationItems(String ns, String sa) {
        return allAssociationItems().stream()
                .filter(i -> i.get("namespace").s().equals(ns) && i.get("serviceAccount").s().equals(sa)).toList();
    }

    static List<Map<String, AttributeValue>> allAssociationItems() {
        try (DynamoDbClient d = dynamo()) {
            return d.queryPaginator(r -> r.tableName(LocalStack.TABLE).consistentRead(true)
                    .keyConditionExpression("pk = :pk AND begins_with(sk, :a)")
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS("CLUSTER#" + cluster),
                            ":a", AttributeValue.fromS("ASSOCIATION#")))).items().stream().toList();
        }
    }

    static Map<String, AttributeValue> item(String sk) {
        try (DynamoDbClient d = dynamo()) {
            return d.getItem(r -> r.tableName(LocalStack.TABLE).consistentRead(true).key(Map.of(
                    "pk", AttributeValue.fromS("CLUSTER#" + cluster), "sk", AttributeValue.fromS(sk)))).item();
        }
    }

    static int clusterCount() {
        return Integer.parseInt(item("CLUSTER").get("associationCount").n());
    }

    static DynamoDbClient dynamo() {
        return DynamoDbClient.builder().endpointOverride(URI.create(stack.dynamoEndpoint())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "y")))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

}
