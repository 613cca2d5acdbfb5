package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podidentity.api.ApiHandler;
import dev.podidentity.api.ApiResponse;
import dev.podidentity.api.Priming;
import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import dev.podidentity.handlers.Routes;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * SnapStart priming runs every handler's request path against the real stack up to the data (a cluster that does not
 * exist: 404, or AdmitPod's 403), never stopping at validation (a 400 would mean the generated event misses a path
 * parameter or a body member the route needs), and changes nothing.
 */
class PrimingTest {
    /**
     * The only 400s priming may answer, each for a reason and with its exact message (any other 400, such as a path
     * parameter the generated event lacks, fails): RegisterCluster creates what it does not find, so its priming must
     * stop at validation, and it does at the first check: the priming cluster's name is reserved, which DeleteCluster
     * refuses too (so priming can never delete a real cluster); CreatePodIdentityAssociation checks the role in IAM before the cluster (that IAM call is what
     * priming warms), and no role of the priming name exists.
     */
    static final Map<Route, String> STOPS_BEFORE_THE_DATA = Map.of(
            Route.REGISTER_CLUSTER, "clusterName 'snapstart-priming' is reserved",
            Route.DELETE_CLUSTER, "clusterName 'snapstart-priming' is reserved",
            Route.CREATE_POD_IDENTITY_ASSOCIATION, "Role provided in the request does not exist");

    @Test
    void everyHandler_primes_pastValidation_withNotFoundOrEmptyAnswers_andChangesNoData() {
        LocalStack stack = TestStack.get();
        try (DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(URI.create(stack.dynamoEndpoint()))
                .region(Region.US_EAST_1).credentialsProvider(() -> AwsBasicCredentials.create("local", "local"))
                .httpClient(UrlConnectionHttpClient.create()).build()) {
            Set<Map<String, AttributeValue>> before = table(dynamo);
            int stsCalls = stack.aws().assumeRoleCalls().size();
            for (Route route : Routes.ALL) {
                Composition composition = Composition.from(stack.functionEnvironment(route));
                composition.prime();
                ApiHandler handler = Routes.handler(route, composition);
                assertThat(handler.route()).as("the route " + route + "'s handler serves").isEqualTo(route);
                List<ApiResponse> responses = handler.prime();
                assertThat(responses).as(route.operation() + ": three priming requests").hasSize(3);
                ApiResponse first = responses.get(0);
                for (ApiResponse r : responses) {
                    // the priming event names a cluster, association and token that do not exist: not found (or an
                    // empty listing), never a validation error or a server error, and the same answer every time
                    // (AdmitPod: 403, the priming cluster has no webhook key; its read of the cluster is what warms it)
                    String refusal = STOPS_BEFORE_THE_DATA.get(route);
                    if (refusal != null) {
                        assertThat(r.statusCode()).as(route.operation() + " " + r.body()).isEqualTo(400);
                        assertThat(r.body()).as(route.operation()).contains(refusal);
                        continue;
                    }
                    assertThat(r.statusCode()).as(route.operation() + " " + r.body()).isIn(200, 403, 404);
                    assertThat(r.statusCode()).as(route.operation()).isEqualTo(first.statusCode());
                    assertThat(r.headers().get("X-Amzn-ErrorType")).as(route.operation())
                            .isEqualTo(first.headers().get("X-Amzn-ErrorType"));
                    if (r.statusCode() != 200) {
                        assertThat(r.headers().get("X-Amzn-ErrorType")).as(route.operation())
                                .matches("ResourceNotFoundException|NotFoundException|AccessDeniedException");
                    }
                }
            }
            assertThat(table(dynamo)).as("the table after priming").isEqualTo(before);
            assertThat(stack.aws().assumeRoleCalls()).as("STS calls while priming").hasSize(stsCalls);
        }
    }

    private static Set<Map<String, AttributeValue>> table(DynamoDbClient dynamo) {
        Set<Map<String, AttributeValue>> items = new HashSet<>();
        dynamo.scanPaginator(r -> r.tableName(LocalStack.TABLE).consistentRead(true)).items().forEach(items::add);
        assertThat(items).as("items outside priming's cluster").noneMatch(i -> i.get("pk").s().contains(Priming.CLUSTER));
        return items;
    }
}
