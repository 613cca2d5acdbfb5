package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import dev.podidentity.domain.Association;
import dev.podidentity.handlers.Routes;
import dev.podidentity.local.gateway.LambdaInvoker;
import dev.podidentity.local.gateway.LocalContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every file in {@code events/} through its handler, as Lambda runs a stream handler (event bytes in, response bytes out), against the
 * local stack, with its response asserted. Order matters: the files tell one story on cluster "demo".
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EventReplayTest {
    static final Path EVENTS = Path.of("..", "events");
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SEEDED = "a-demo0000000000001";

    /** file -> expected status and X-Amzn-ErrorType (null on success), in replay order. */
    static final Map<String, Object[]> EXPECTED = new LinkedHashMap<>();

    static {
        expect("register-cluster", 200, null);
        expect("register-cluster-invalid-jwks", 400, "InvalidParameterException");
        expect("describe-cluster", 200, null);
        expect("describe-cluster-not-found", 404, "ResourceNotFoundException");
        expect("list-clusters", 200, null);
        expect("create-association", 200, null);
        expect("create-association-duplicate", 409, "ResourceInUseException");
        expect("create-association-invalid-namespace", 400, "InvalidParameterException");
        expect("create-association-unknown-cluster", 404, "ResourceNotFoundException");
        expect("create-association-malformed-json", 400, "InvalidRequestException");
        expect("admit-pod", 200, null);
        expect("admit-pod-wrong-key", 403, "AccessDeniedException");
        expect("admit-pod-update-operation", 400, "InvalidRequestException");
        expect("admit-pod-conflict", 200, null);
        expect("admit-pod-unknown-cluster", 403, "AccessDeniedException");
        expect("admit-pod-delete", 200, null);
        expect("get-webhook-identities", 200, null);
        expect("list-associations", 200, null);
        expect("list-associations-by-namespace", 200, null);
        expect("list-associations-bad-max-results", 400, "InvalidParameterException");
        expect("describe-association", 200, null);
        expect("describe-association-not-found", 404, "ResourceNotFoundException");
        expect("update-association", 200, null);
        expect("diagnose-pod-predates-association", 200, null);
        expect("diagnose-no-association", 200, null);
        expect("diagnose-unknown-cluster", 200, null);
        expect("diagnose-missing-service-account", 400, "InvalidParameterException");
        expect("tag-resource", 200, null);
        expect("list-tags-for-resource", 200, null);
        expect("untag-resource", 200, null);
        expect("tag-resource-not-found", 404, "NotFoundException");
        expect("delete-association", 200, null);
        expect("delete-association-not-found", 404, "ResourceNotFoundException");
        expect("delete-cluster-in-use", 409, "ResourceInUseException");
        expect("assume-role-for-pod-identity-invalid-token", 400, "InvalidTokenException");
        expect("assume-role-for-pod-identity-missing-token", 400, "InvalidParameterException");
        expect("assume-role-for-pod-identity-unknown-cluster", 404, "ResourceNotFoundException");
        expect("register-cluster-token-lifetime", 200, null);
        expect("register-cluster-invalid-token-lifetime", 400, "InvalidParameterException");
        expect("register-cluster-ipv6", 200, null);
        expect("register-cluster-invalid-ip-family", 400, "InvalidParameterException");
        expect("register-cluster-reserved-name", 400, "InvalidParameterException");
        expect("assume-role-for-pod-identity-token-too-long", 400, "InvalidTokenException");
    }

    /** The webhook key in the admit-pod events; the replay stores its hash on cluster demo (keys are random otherwise). */
    static final String EVENTS_WEBHOOK_KEY = "replay-only-key-for-the-demo-cluster-events";

    static void expect(String file, int status, String errorType) {
        EXPECTED.put(file + ".json", new Object[] {status, errorType});
    }

    static final Map<Map<String, String>, Composition> COMPOSITIONS = new HashMap<>();
    static final Map<String, JsonNode> RESPONSES = new HashMap<>();

    /**
     * Replays the story once, in order, before any test method: each method asserts on its responses or on the data
     * it left, so every method also passes when run alone ({@code -Dtest=EventReplayTest#method}).
     */
    @BeforeAll
    static void replayTheStory() throws IOException {
        LocalStack stack = TestStack.get();
        if (stack.iam().role("demo-app").isEmpty()) {
            TestStack.brokerTrustedRole("demo-app");
        }
        for (String file : EXPECTED.keySet()) {
            if (file.equals("describe-association.json")) {
                seedAssociation();
            }
            if (file.equals("admit-pod.json")) {
                seedWebhookKey();
            }
            RESPONSES.put(file, replay(file));
        }
    }

    @Test
    @Order(1)
    void everyEventFile_isReplayed_andAsserted() throws IOException {
        Set<String> files;
        try (Stream<Path> list = Files.list(EVENTS)) {
            files = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(files).as("every event file has an expectation here").isEqualTo(new TreeSet<>(EXPECTED.keySet()));

        for (Map.Entry<String, Object[]> e : EXPECTED.entrySet()) {
            JsonNode response = RESPONSES.get(e.getKey());
            assertThat(response.path("statusCode").asInt()).as(e.getKey() + ": " + response).isEqualTo(e.getValue()[0]);
            JsonNode type = response.path("headers").path("X-Amzn-ErrorType");
            if (e.getValue()[1] == null) {
                assertThat(type.isMissingNode()).as(e.getKey()).isTrue();
            } else {
                assertThat(type.asText()).as(e.getKey()).isEqualTo(e.getValue()[1]);
                assertThat(body(response).path("message").asText()).as(e.getKey()).isNotBlank();
            }
        }
    }

    @Test
    @Order(2)
    void successfulResponses_haveTheWireShapes() {
        JsonNode cluster = body(RESPONSES.get("describe-cluster.json")).path("cluster");
        assertThat(cluster.path("arn").asText()).isEqualTo("arn:aws:eks:us-east-1:000000000000:cluster/demo");
        assertThat(cluster.path("identity").path("oidc").path("issuer").asText())
                .isEqualTo("https://kubernetes.default.svc.cluster.local");
        assertThat(cluster.path("createdAt").isNumber()).isTrue();

        JsonNode created = body(RESPONSES.get("create-association.json")).path("association");
        assertThat(created.path("associationId").asText()).matches("a-[a-z0-9]{17}");
        assertThat(created.path("createdAt").isNumber()).isTrue();
        assertThat(created.has("ownerArn")).as("unset members are omitted").isFalse();
        assertThat(created.path("tags").path("app").asText()).isEqualTo("demo");

        assertThat(body(RESPONSES.get("list-associations-by-namespace.json")).path("associations"))
                .extracting(n -> n.path("namespace").asText()).containsOnly("default");
        JsonNode updated = body(RESPONSES.get("update-association.json")).path("association");
        assertThat(updated.path("disableSessionTags").asBoolean()).isTrue();
        assertThat(updated.path("policy").asText()).contains("s3:GetObject");
        assertThat(body(RESPONSES.get("list-tags-for-resource.json")).path("tags").path("owner").asText()).isEqualTo("platform");
        assertThat(body(RESPONSES.get("delete-association.json")).path("association").path("associationId").asText())
                .isEqualTo(SEEDED);
        assertThat(body(RESPONSES.get("create-association-duplicate.json")).path("message").asText())
                .startsWith("Association already exists: a-");
        assertThat(body(RESPONSES.get("diagnose-pod-predates-association.json")).path("firstFailure").asText())
                .isEqualTo("podCreatedAfterAssociation");
        assertThat(body(RESPONSES.get("diagnose-no-association.json")).path("firstFailure").asText())
                .isEqualTo("associationExists");
        assertThat(body(RESPONSES.get("diagnose-unknown-cluster.json")).path("firstFailure").asText())
                .isEqualTo("clusterRegistered");

        JsonNode registered = body(RESPONSES.get("register-cluster.json"));
        assertThat(registered.path("cluster").path("podTokenLifetimeSeconds").asInt()).isEqualTo(3600);
        assertThat(registered.path("webhookUrl").asText())
                .matches("https://abc123\\.execute-api\\.us-east-1\\.amazonaws\\.com/prod/clusters/demo/admission/[A-Za-z0-9_-]{43}");
        JsonNode admitted = body(RESPONSES.get("admit-pod.json"));
        assertThat(admitted.path("response").path("uid").asText()).isEqualTo("705ab4f5-6393-11e8-b7cc-42010a800002");
        assertThat(admitted.path("response").path("patchType").asText()).isEqualTo("JSONPatch");
        assertThat(new String(java.util.Base64.getDecoder().decode(admitted.path("response").path("patch").asText()),
                StandardCharsets.UTF_8)).contains("/spec/containers/0/env/-", "/spec/volumes");
        assertThat(body(RESPONSES.get("admit-pod-update-operation.json")).path("response").path("uid").asText())
                .isEqualTo("705ab4f5-6393-11e8-b7cc-42010a800004");
        JsonNode deleted = body(RESPONSES.get("admit-pod-delete.json"));
        assertThat(deleted.path("response").path("uid").asText()).isEqualTo("705ab4f5-6393-11e8-b7cc-42010a800005");
        assertThat(deleted.path("response").path("allowed").asBoolean()).isTrue();
        assertThat(deleted.path("response").has("patch")).isFalse();
        try (var dynamo = TestStack.dynamo()) {
            assertThat(new dev.podidentity.adapter.dynamodb.DynamoStore(dynamo, LocalStack.TABLE, java.time.Clock.systemUTC())
                    .findPodDeletion("demo", "3f1c9a52-8d0e-4b7a-9a51-0c2f6e7d8b11")).as("the deleted pod's tombstone")
                    .hasValueSatisfying(d -> assertThat(d.podName()).isEqualTo("demo-app-7c9f-x2k4q"));
        }
        assertThat(body(RESPONSES.get("get-webhook-identities.json")).path("identities").toString())
                .contains("{\"namespace\":\"default\",\"serviceAccount\":\"demo-app\"}");
        assertThat(body(RESPONSES.get("assume-role-for-pod-identity-token-too-long.json")).path("message").asText())
                .contains("more than the cluster's limit of 3600 seconds", "podTokenLifetimeSeconds");
        assertThat(body(RESPONSES.get("register-cluster-invalid-token-lifetime.json")).path("message").asText())
                .contains("3607");
    }

    /** Events whose outcome does not change when replayed, run again in fresh JVMs from the deployment packages. */
    static final List<String> FRESH_JVM = List.of("describe-cluster.json", "list-clusters.json",
            "list-associations-by-namespace.json", "create-association-duplicate.json", "tag-resource-not-found.json",
            "register-cluster-invalid-jwks.json", "describe-association-not-found.json");

    @Test
    @Order(3)
    void events_runInFreshJvms_fromTheirDeploymentPackages_likeSamLocalInvoke() throws Exception {
        for (String file : FRESH_JVM) {
            JsonNode event = JSON.readTree(Files.readString(EVENTS.resolve(file)));
            Route route = Routes.ALL.stream()
                    .filter(r -> r.pathTemplate().equals(event.path("resource").asText())
                            && r.method().equals(event.path("httpMethod").asText()))
                    .findFirst().orElseThrow();
            assertThat(Invoke.classpath(route)).as("the admin package").contains("pod-identity-functions")
                    .doesNotContain("/sts-2");
            Process process = Invoke.start(route, EVENTS.resolve(file), TestStack.get().functionEnvironment(route));
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor()).as(file + ": " + out).isZero();
            JsonNode response = JSON.readTree(out.lines().filter(l -> l.startsWith("{\"statusCode\"")).findFirst().orElse(out));
            assertThat(response.path("statusCode").asInt()).as(file + ": " + out).isEqualTo(EXPECTED.get(file)[0]);
        }
    }

    @Test
    @Order(4)
    void theBrokerRunsFromItsOwnLeanerPackage_inAFreshJvm() throws Exception {
        Route route = Routes.byOperation("AssumeRoleForPodIdentity");
        assertThat(Invoke.classpath(route)).contains("pod-identity-broker").doesNotContain("iam-2");
        Process process = Invoke.start(route, EVENTS.resolve("assume-role-for-pod-identity-invalid-token.json"),
                TestStack.get().functionEnvironment(route));
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(out).isZero();
        JsonNode response = JSON.readTree(out.lines().filter(l -> l.startsWith("{\"statusCode\"")).findFirst().orElse(out));
        assertThat(response.path("statusCode").asInt()).isEqualTo(400);
        assertThat(response.path("headers").path("X-Amzn-ErrorType").asText()).isEqualTo("InvalidTokenException");
    }

    static void seedAssociation() {
        Composition c = composition(Routes.byOperation("DescribePodIdentityAssociation"));
        Instant now = Instant.now();
        String arn = "arn:aws:eks:us-east-1:000000000000:podidentityassociation/demo/" + SEEDED;
        c.store().createAssociation(new Association("demo", "default", "seeded", "arn:aws:iam::000000000000:role/demo-app",
                arn, SEEDED, Map.of("seeded", "yes"), now, now, null, false, null, null, null, 1), null);
    }

    /** Gives cluster demo the events' webhook key, through the store as a rotation would. */
    static void seedWebhookKey() {
        Composition c = composition(Routes.byOperation("RegisterCluster"));
        dev.podidentity.domain.Cluster demo = c.store().findCluster("demo").orElseThrow();
        c.store().registerCluster(new dev.podidentity.domain.Cluster(demo.name(), demo.arn(), demo.issuer(), demo.jwksJson(),
                Map.of(), Instant.now(), Instant.now(), 0, 1, demo.podTokenLifetimeSeconds(),
                dev.podidentity.domain.WebhookKey.hash(EVENTS_WEBHOOK_KEY)), false, true);
    }

    static JsonNode replay(String file) throws IOException {
        String event = Files.readString(EVENTS.resolve(file));
        JsonNode parsed = JSON.readTree(event);
        Route route = Routes.ALL.stream()
                .filter(r -> r.pathTemplate().equals(parsed.path("resource").asText())
                        && r.method().equals(parsed.path("httpMethod").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no route for " + file));
        String response = LambdaInvoker.invoke(Routes.handler(route, composition(route)), event,
                LocalContext.of("replay", route.operation()));
        return JSON.readTree(response);
    }

    static Composition composition(Route route) {
        return COMPOSITIONS.computeIfAbsent(TestStack.get().functionEnvironment(route), Composition::from);
    }

    static JsonNode body(JsonNode response) {
        try {
            return JSON.readTree(response.path("body").asText());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

}
