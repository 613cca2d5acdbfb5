package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eks.model.CreatePodIdentityAssociationResponse;
import software.amazon.awssdk.services.eks.model.InvalidParameterException;
import software.amazon.awssdk.services.eks.model.InvalidRequestException;
import software.amazon.awssdk.services.eks.model.ListPodIdentityAssociationsResponse;
import software.amazon.awssdk.services.eks.model.NotFoundException;
import software.amazon.awssdk.services.eks.model.PodIdentityAssociation;
import software.amazon.awssdk.services.eks.model.PodIdentityAssociationSummary;
import software.amazon.awssdk.services.eks.model.ResourceInUseException;
import software.amazon.awssdk.services.eks.model.ResourceLimitExceededException;
import software.amazon.awssdk.services.eks.model.ResourceNotFoundException;

/** The association API through the local API Gateway with the real EKS SDK client. */
class AssociationApiAcceptanceTest {
    static EksClient eks;
    static String cluster;
    static String role;
    static String otherRole;

    @BeforeAll
    static void setUp() {
        eks = TestStack.eks();
        cluster = TestStack.registerCluster(TestStack.unique("acc"));
        role = TestStack.brokerTrustedRole(TestStack.unique("app-role"));
        otherRole = TestStack.brokerTrustedRole(TestStack.unique("other-role"));
    }

    @AfterAll
    static void tearDown() {
        eks.close();
    }

    @Test
    void lifecycle_createDescribeUpdateListDelete() {
        Instant before = Instant.now().minusSeconds(1);
        PodIdentityAssociation created = eks.createPodIdentityAssociation(r -> r.clusterName(cluster)
                .namespace("payments").serviceAccount("api").roleArn(role).tags(Map.of("team", "payments"))).association();
        assertThat(created.associationId()).matches("a-[a-z0-9]{17}");
        assertThat(created.associationArn()).isEqualTo("arn:aws:eks:us-east-1:000000000000:podidentityassociation/"
                + cluster + "/" + created.associationId());
        assertThat(created.clusterName()).isEqualTo(cluster);
        assertThat(created.roleArn()).isEqualTo(role);
        assertThat(created.tags()).containsEntry("team", "payments");
        assertThat(created.createdAt()).isAfter(before).isBefore(Instant.now().plusSeconds(1));
        assertThat(created.modifiedAt()).isEqualTo(created.createdAt());
        assertThat(created.disableSessionTags()).isFalse();
        assertThat(created.ownerArn()).isNull();
        assertThat(created.externalId()).isNull();

        PodIdentityAssociation described = eks.describePodIdentityAssociation(r -> r.clusterName(cluster)
                .associationId(created.associationId())).association();
        assertThat(described).isEqualTo(created);

        PodIdentityAssociation updated = eks.updatePodIdentityAssociation(r -> r.clusterName(cluster)
                .associationId(created.associationId()).roleArn(otherRole)).association();
        assertThat(updated.roleArn()).isEqualTo(otherRole);
        assertThat(updated.modifiedAt()).isAfterOrEqualTo(created.modifiedAt());
        assertThat(updated.createdAt()).isEqualTo(created.createdAt());
        assertThat(updated.namespace()).isEqualTo("payments");

        List<PodIdentityAssociationSummary> listed = eks.listPodIdentityAssociations(r -> r.clusterName(cluster)
                .namespace("payments")).associations();
        assertThat(listed).extracting(PodIdentityAssociationSummary::associationId).contains(created.associationId());

        PodIdentityAssociation deleted = eks.deletePodIdentityAssociation(r -> r.clusterName(cluster)
                .associationId(created.associationId())).association();
        assertThat(deleted.associationId()).isEqualTo(created.associationId());
        assertThat(deleted.roleArn()).isEqualTo(otherRole);
        assertThatThrownBy(() -> eks.describePodIdentityAssociation(r -> r.clusterName(cluster)
                .associationId(created.associationId())))
                .isInstanceOf(ResourceNotFoundException.class)
                .satisfies(e -> assertThat(((ResourceNotFoundException) e).statusCode()).isEqualTo(404));
    }

    @Test
    void create_isResourceInUse409_whenTheSubjectAlreadyHasAnAssociation() {
        String existing = eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("dup")
                .serviceAccount("sa").roleArn(role)).association().associationId();
        assertThatThrownBy(() -> eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("dup")
                .serviceAccount("sa").roleArn(otherRole)))
                .isInstanceOf(ResourceInUseException.class)
                .hasMessageContaining("Association already exists: " + existing)
                .satisfies(e -> assertThat(((ResourceInUseException) e).statusCode()).isEqualTo(409));
    }

    @Test
    void errors_arriveAsTheSdksTypedExceptions() {
        assertThatThrownBy(() -> eks.createPodIdentityAssociation(r -> r.clusterName("no-such-cluster")
                .namespace("ns").serviceAccount("sa").roleArn(role)))
                .isInstanceOf(ResourceNotFoundException.class).hasMessageContaining("No cluster found for name: no-such-cluster");
        assertThatThrownBy(() -> eks.createPodIdentityAssociation(r -> r.clusterName(cluster)
                .namespace("Bad_NS").serviceAccount("sa").roleArn(role)))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("namespace 'Bad_NS'")
                .satisfies(e -> assertThat(((InvalidParameterException) e).statusCode()).isEqualTo(400));
        assertThatThrownBy(() -> eks.createPodIdentityAssociation(r -> r.clusterName(cluster)
                .namespace("ns").serviceAccount("-sa").roleArn(role)))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("serviceAccount");
        assertThatThrownBy(() -> eks.createPodIdentityAssociation(r -> r.clusterName(cluster)
                .namespace("ns").serviceAccount("sa").roleArn("arn:aws:iam::111122223333:role/x")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("account 111122223333");
        assertThatThrownBy(() -> eks.createPodIdentityAssociation(r -> r.clusterName(cluster)
                .namespace("ns").serviceAccount("sa").roleArn("not-an-arn")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("not an IAM role ARN");
        assertThatThrownBy(() -> eks.createPodIdentityAssociation(r -> r.clusterName(cluster)
                .namespace("ns").serviceAccount("sa").roleArn(role).policy("{\"Statement\":[]}")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("disableSessionTags");
        assertThatThrownBy(() -> eks.createPodIdentityAssociation(r -> r.clusterName(cluster)
                .namespace("ns").serviceAccount("sa").roleArn("arn:aws:iam::000000000000:role/does-not-exist")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("Role provided in the request does not exist");
        assertThatThrownBy(() -> eks.listPodIdentityAssociations(r -> r.clusterName(cluster).maxResults(101)))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("maxResults 101");
        assertThatThrownBy(() -> eks.describePodIdentityAssociation(r -> r.clusterName(cluster).associationId("bogus")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("associationId 'bogus'");
        assertThatThrownBy(() -> eks.updatePodIdentityAssociation(r -> r.clusterName(cluster)
                .associationId("a-00000000000000000")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("Nothing to update");
        assertThatThrownBy(() -> eks.deletePodIdentityAssociation(r -> r.clusterName(cluster)
                .associationId("a-00000000000000000")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void list_filtersByNamespaceAndServiceAccount_andPagesOver250WithOpaqueTokens() {
        String big = TestStack.registerCluster(TestStack.unique("paging"));
        for (int i = 0; i < 250; i++) {
            String ns = i % 2 == 0 ? "even" : "odd";
            String sa = "sa-" + (i % 5) + "-" + i;
            eks.createPodIdentityAssociation(r -> r.clusterName(big).namespace(ns).serviceAccount(sa).roleArn(role));
        }
        Set<String> seen = new HashSet<>();
        String token = null;
        int pages = 0;
        do {
            String next = token;
            ListPodIdentityAssociationsResponse page = eks.listPodIdentityAssociations(r -> r.clusterName(big)
                    .maxResults(40).nextToken(next));
            assertThat(page.associations()).hasSizeLessThanOrEqualTo(40);
            page.associations().forEach(a -> assertThat(seen.add(a.associationId())).isTrue());
            token = page.nextToken();
            pages++;
        } while (token != null);
        assertThat(seen).hasSize(250);
        assertThat(pages).isEqualTo(7);

        assertThat(eks.listPodIdentityAssociationsPaginator(r -> r.clusterName(big).namespace("odd").maxResults(7))
                .associations().stream().toList()).hasSize(125).allMatch(a -> a.namespace().equals("odd"));
        assertThat(eks.listPodIdentityAssociations(r -> r.clusterName(big).namespace("even").serviceAccount("sa-0-0"))
                .associations()).singleElement().satisfies(a -> assertThat(a.serviceAccount()).isEqualTo("sa-0-0"));
        List<PodIdentityAssociationSummary> bySa = eks.listPodIdentityAssociationsPaginator(r -> r.clusterName(big)
                .serviceAccount("sa-3-13").maxResults(3)).associations().stream().toList();
        assertThat(bySa).singleElement().satisfies(a -> assertThat(a.namespace()).isEqualTo("odd"));

        String first = eks.listPodIdentityAssociations(r -> r.clusterName(big).maxResults(10)).nextToken();
        String altered = (first.charAt(0) == 'A' ? "B" : "A") + first.substring(1);
        assertThatThrownBy(() -> eks.listPodIdentityAssociations(r -> r.clusterName(big).nextToken(altered)))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("nextToken is invalid");
        assertThatThrownBy(() -> eks.listPodIdentityAssociations(r -> r.clusterName(big).namespace("odd").nextToken(first)))
                .as("a token is bound to its filters").isInstanceOf(InvalidParameterException.class);
    }

    @Test
    void tags_roundTripOnAssociationsAndClusters() {
        PodIdentityAssociation a = eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("tags")
                .serviceAccount("sa").roleArn(role).tags(Map.of("a", "1"))).association();
        eks.tagResource(r -> r.resourceArn(a.associationArn()).tags(Map.of("b", "2", "c", "3")));
        assertThat(eks.listTagsForResource(r -> r.resourceArn(a.associationArn())).tags())
                .containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "2", "c", "3"));
        eks.untagResource(r -> r.resourceArn(a.associationArn()).tagKeys("a", "c"));
        assertThat(eks.listTagsForResource(r -> r.resourceArn(a.associationArn())).tags())
                .containsExactlyInAnyOrderEntriesOf(Map.of("b", "2"));
        assertThat(eks.describePodIdentityAssociation(r -> r.clusterName(cluster).associationId(a.associationId()))
                .association().tags()).containsExactlyInAnyOrderEntriesOf(Map.of("b", "2"));

        String clusterArn = "arn:aws:eks:us-east-1:000000000000:cluster/" + cluster;
        eks.tagResource(r -> r.resourceArn(clusterArn).tags(Map.of("env", "dev")));
        assertThat(eks.listTagsForResource(r -> r.resourceArn(clusterArn)).tags()).containsEntry("env", "dev");

        assertThatThrownBy(() -> eks.listTagsForResource(r -> r.resourceArn(
                "arn:aws:eks:us-east-1:000000000000:podidentityassociation/" + cluster + "/a-00000000000000000")))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> eks.tagResource(r -> r.resourceArn(a.associationArn()).tags(Map.of("aws:x", "1"))))
                .isInstanceOf(software.amazon.awssdk.services.eks.model.BadRequestException.class)
                .hasMessageContaining("reserved");
        Map<String, String> many = new java.util.HashMap<>();
        for (int i = 0; i < 50; i++) {
            many.put("k" + i, "v");
        }
        assertThatThrownBy(() -> eks.tagResource(r -> r.resourceArn(a.associationArn()).tags(many)))
                .isInstanceOf(software.amazon.awssdk.services.eks.model.BadRequestException.class)
                .hasMessageContaining("at most 50");
    }

    @Test
    void races_fiftyConcurrentCreatesForOneSubject_makeExactlyOneAssociation() throws Exception {
        List<String> outcomes = concurrentCreates(eks, cluster, "race", "one", role, 50);
        assertThat(outcomes.stream().filter("409"::equals).count()).isEqualTo(49);
        assertThat(eks.listPodIdentityAssociations(r -> r.clusterName(cluster).namespace("race")).associations())
                .singleElement().satisfies(a -> assertThat(outcomes).contains(a.associationId()));
    }

    @Test
    void retries_withOneClientRequestToken_makeOneAssociation_andTheSameTokenWithOtherParametersIsRefused() throws Exception {
        String token = java.util.UUID.randomUUID().toString();
        List<Callable<String>> retries = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            retries.add(() -> eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("retry")
                    .serviceAccount("sa").roleArn(role).clientRequestToken(token)).association().associationId());
        }
        List<String> ids = runAll(retries);
        assertThat(new HashSet<>(ids)).hasSize(1);
        CreatePodIdentityAssociationResponse again = eks.createPodIdentityAssociation(r -> r.clusterName(cluster)
                .namespace("retry").serviceAccount("sa").roleArn(role).clientRequestToken(token));
        assertThat(again.association().associationId()).isEqualTo(ids.get(0));
        assertThatThrownBy(() -> eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("retry")
                .serviceAccount("sa").roleArn(otherRole).clientRequestToken(token)))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("different parameters");
    }

    @Test
    void clusterLimit_isResourceLimitExceeded() {
        // the limit is 5,000; prove the condition with a cluster whose count is already at the limit
        String full = TestStack.registerCluster(TestStack.unique("full"));
        try (var dynamo = software.amazon.awssdk.services.dynamodb.DynamoDbClient.builder()
                .endpointOverride(java.net.URI.create(TestStack.get().dynamoEndpoint()))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(() -> software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("x", "y"))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
            dynamo.updateItem(r -> r.tableName(LocalStack.TABLE)
                    .key(Map.of("pk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("CLUSTER#" + full),
                            "sk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("CLUSTER")))
                    .updateExpression("SET associationCount = :n")
                    .expressionAttributeValues(Map.of(":n", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromN("5000"))));
        }
        assertThatThrownBy(() -> eks.createPodIdentityAssociation(r -> r.clusterName(full).namespace("ns")
                .serviceAccount("sa").roleArn(role)))
                .isInstanceOf(ResourceLimitExceededException.class).hasMessageContaining("5000");
        assertThat(eks.listPodIdentityAssociations(r -> r.clusterName(full)).associations()).isEmpty();
    }

    /** {@code n} creates for one subject at once: the new association's id, or "409" for each that lost. */
    static List<String> concurrentCreates(EksClient eks, String cluster, String ns, String sa, String role, int n)
            throws Exception {
        List<Callable<String>> creates = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            creates.add(() -> {
                try {
                    return eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace(ns)
                            .serviceAccount(sa).roleArn(role)).association().associationId();
                } catch (ResourceInUseException e) {
                    return "409";
                }
            });
        }
        return runAll(creates);
    }

    static List<String> runAll(List<Callable<String>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            List<String> out = new ArrayList<>();
            for (Future<String> f : pool.invokeAll(tasks, 60, java.util.concurrent.TimeUnit.SECONDS)) {
                out.add(f.get(Duration.ofSeconds(1).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
