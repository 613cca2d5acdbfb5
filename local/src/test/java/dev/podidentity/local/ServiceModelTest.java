package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podidentity.api.Authorization;
import dev.podidentity.api.Route;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.handlers.Routes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The AWS CLI / boto3 service model ({@code model/service-2.json}) can never drift from the
 * route table: same operations, methods, URIs and authorization, every URI label bound to a required member, every
 * error the service answers modeled with its status. That the model loads in botocore is {@link AwsCliTest}'s part.
 */
class ServiceModelTest {
    /** The model's folder at the top of the repository (with {@code install-cli}, which installs it). */
    static final Path MODEL = Path.of("..", "model");
    static final Pattern LABEL = Pattern.compile("\\{([^}+]+)\\+?}");
    static JsonNode model;
    static JsonNode paginators;

    @BeforeAll
    static void load() throws IOException {
        Path dir = modelDirectory();
        ObjectMapper json = new ObjectMapper();
        model = json.readTree(dir.resolve("service-2.json").toFile());
        paginators = json.readTree(dir.resolve("paginators-1.json").toFile()).get("pagination");
    }

    /** The folder holding service-2.json and paginators-1.json; the API version lives in the model only. */
    static Path modelDirectory() {
        return MODEL;
    }

    /** The README's API table has one row per route, with its method, path template and authorization, and no other. */
    @Test
    void readmeApiTable_hasOneRowPerRoute_withItsMethodPathAndAuthorization() throws IOException {
        String readme = java.nio.file.Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("\n## API\n");
        assertThat(start).as("README section '## API'").isPositive();
        List<String> rows = readme.substring(start, readme.indexOf("\n#", start + 1)).lines()
                .filter(l -> l.startsWith("| ") && !l.startsWith("| Operation ")).toList();
        for (Route route : Route.all()) {
            List<String> matching = rows.stream().filter(r -> r.startsWith("| " + route.operation() + " ")).toList();
            assertThat(matching).as("README API table: the row of " + route.operation()).hasSize(1);
            assertThat(matching.get(0)).as("README API table: " + route.operation())
                    .contains("`" + route.method() + " " + route.pathTemplate() + "`")
                    .satisfies(row -> assertThat(row.endsWith("| IAM |"))
                            .as(route.operation() + " is IAM-authorized").isEqualTo(route.authorization() == Authorization.AWS_IAM));
        }
        assertThat(rows).as("README API table rows").hasSize(Route.all().size());
    }

    /** A route's path as the model writes it: greedy labels ({@code {x+}}, API Gateway) compare as plain ones. */
    static String modelUri(String routePath) {
        return routePath.replace("+}", "}");
    }

    @Test
    void metadata_signsForExecuteApi_withoutAnyEndpointOrAccount() throws IOException {
        JsonNode m = model.get("metadata");
        assertThat(m.get("protocol").asText()).isEqualTo("rest-json");
        assertThat(m.get("signatureVersion").asText()).isEqualTo("v4");
        assertThat(m.get("signingName").asText()).isEqualTo("execute-api");
        assertThat(m.get("serviceId").asText()).isEqualTo("Pod Identity");
        assertThat(m.get("endpointPrefix").asText()).isEqualTo("pod-identity");
        String version = m.get("apiVersion").asText();
        assertThat(version).matches("\\d{4}-\\d{2}-\\d{2}");
        // the version is spelled once, in the model: the installer reads it, the stack and the paginators omit it
        for (Path reader : List.of(MODEL.resolve("install-cli"), MODEL.resolve("paginators-1.json"),
                Path.of("..", "cdk", "src", "main", "java", "dev", "podidentity", "cdk", "PodIdentityStack.java"))) {
            assertThat(java.nio.file.Files.readString(reader)).as(reader + " spells the API version").doesNotContain(version);
        }
        String text = model.toString();
        assertThat(text).doesNotContain("http://").doesNotContain("https://").doesNotContainPattern("\\d{12}");
        assertThat(m.has("globalEndpoint")).isFalse();
    }

    @Test
    void everyRoute_hasAnOperation_withTheSameMethodUriAndAuth() {
        for (Route route : Routes.ALL) {
            JsonNode op = model.get("operations").get(route.operation());
            assertThat(op).as("operation " + route.operation() + " in the service model").isNotNull();
            assertThat(op.get("name").asText()).isEqualTo(route.operation());
            JsonNode http = op.get("http");
            assertThat(http.get("method").asText()).as(route.operation() + " method").isEqualTo(route.method());
            String uri = http.get("requestUri").asText().replaceFirst("\\?.*$", "");
            assertThat(uri).as(route.operation() + " requestUri").isEqualTo(modelUri(route.pathTemplate()));
            boolean unsigned = "none".equals(op.path("authtype").asText(null));
            assertThat(unsigned).as(route.operation() + " is authtype none exactly when the route has no authorization")
                    .isEqualTo(route.authorization() == Authorization.NONE);
        }
    }

    @Test
    void everyOperation_hasARoute() {
        Set<String> routes = Routes.ALL.stream().map(Route::operation).collect(Collectors.toSet());
        List<String> operations = new ArrayList<>();
        model.get("operations").properties().forEach(e -> operations.add(e.getKey()));
        assertThat(routes).containsExactlyInAnyOrderElementsOf(operations);
    }

    @Test
    void everyUriLabel_isARequiredMemberOfTheInput() {
        for (Map.Entry<String, JsonNode> e : model.get("operations").properties()) {
            JsonNode input = shape(e.getValue().get("input").get("shape").asText());
            Set<String> required = new TreeSet<>();
            input.path("required").forEach(r -> required.add(r.asText()));
            Matcher labels = LABEL.matcher(e.getValue().get("http").get("requestUri").asText());
            while (labels.find()) {
                String label = labels.group(1);
                Map.Entry<String, JsonNode> member = input.get("members").properties().stream()
                        .filter(m -> "uri".equals(m.getValue().path("location").asText())
                                && label.equals(m.getValue().path("locationName").asText()))
                        .findFirst().orElse(null);
                assertThat(member).as(e.getKey() + " binds {" + label + "}").isNotNull();
                assertThat(required).as(e.getKey() + " requires " + member.getKey()).contains(member.getKey());
            }
        }
    }

    @Test
    void everyReferencedShape_exists_andErrorsCarryTheirStatus() {
        for (Map.Entry<String, JsonNode> e : model.get("operations").properties()) {
            JsonNode op = e.getValue();
            assertThat(model.get("shapes").has(op.get("input").get("shape").asText())).isTrue();
            assertThat(model.get("shapes").has(op.get("output").get("shape").asText())).isTrue();
            for (JsonNode error : op.get("errors")) {
                JsonNode shape = shape(error.get("shape").asText());
                assertThat(shape.path("exception").asBoolean()).as(error + " is an exception").isTrue();
                assertThat(shape.path("error").path("httpStatusCode").asInt()).as(error + " status").isBetween(400, 599);
            }
        }
        for (Map.Entry<String, JsonNode> s : model.get("shapes").properties()) {
            for (JsonNode ref : s.getValue().findValues("shape")) {
                assertThat(model.get("shapes").has(ref.asText())).as(s.getKey() + " refers to " + ref).isTrue();
            }
        }
    }

    @Test
    void everyErrorTheServiceAnswers_isModeled_withItsStatus() {
        for (ErrorCode code : ErrorCode.values()) {
            JsonNode shape = shape(code.wireName());
            if (code == ErrorCode.AUTH_ACCESS_DENIED) {
                continue; // one shape per name: AccessDeniedException is modeled with the admin API's 403
            }
            assertThat(shape.get("error").get("httpStatusCode").asInt()).as(code.wireName()).isEqualTo(code.httpStatus());
        }
    }

    @Test
    void requestTokensAndSecrets_areMarked() {
        for (String input : List.of("CreatePodIdentityAssociationRequest", "UpdatePodIdentityAssociationRequest")) {
            assertThat(shape(input).get("members").get("clientRequestToken").path("idempotencyToken").asBoolean()).isTrue();
        }
        JsonNode token = shape(shape("AssumeRoleForPodIdentityRequest").get("members").get("token").get("shape").asText());
        assertThat(token.path("sensitive").asBoolean()).as("the pod token is sensitive").isTrue();
        JsonNode syncToken = shape(shape("SyncWebhookIdentitiesRequest").get("members").get("token").get("shape").asText());
        assertThat(syncToken.path("sensitive").asBoolean()).as("the sync token is sensitive").isTrue();
        assertThat(shape("Credentials").path("sensitive").asBoolean()).isTrue();
        JsonNode webhookUrl = shape("RegisterClusterResponse").get("members").get("webhookUrl");
        assertThat(shape(webhookUrl.get("shape").asText()).path("sensitive").asBoolean()).as("webhookUrl holds a key").isTrue();
    }

    @Test
    void theClusterShape_hasEveryMemberDescribeClusterAnswers_andRegisterClusterTakesTheWebhookSettings() {
        java.time.Instant t = java.time.Instant.parse("2026-12-04T00:00:00Z");
        dev.podidentity.domain.Cluster full = new dev.podidentity.domain.Cluster("c", "arn:aws:eks:us-east-1:1:cluster/c",
                "https://i", "{\"keys\":[]}", Map.of("a", "b"), t, t, 1, 2, 600, "hash",
                dev.podidentity.domain.IpFamily.IPV6, "eu-west-1", 3600, t.plusSeconds(3690));
        Set<String> answered = new TreeSet<>();
        dev.podidentity.api.WireFormat.cluster(full).fieldNames().forEachRemaining(answered::add);
        Set<String> modeled = new TreeSet<>();
        shape("Cluster").get("members").fieldNames().forEachRemaining(modeled::add);
        assertThat(modeled).isEqualTo(answered);
        JsonNode register = shape("RegisterClusterRequest").get("members");
        assertThat(register.has("ipFamily") && register.has("region")).isTrue();
        Set<String> families = new TreeSet<>();
        shape("IpFamily").get("enum").forEach(v -> families.add(v.asText()));
        assertThat(families).isEqualTo(java.util.Arrays.stream(dev.podidentity.domain.IpFamily.values())
                .map(dev.podidentity.domain.IpFamily::wireName).collect(Collectors.toCollection(TreeSet::new)));
    }

    @Test
    void sessionTagsAndNamePolicy_areModeled_withTheServicesLimitsAndValues() {
        for (String shape : List.of("CreatePodIdentityAssociationRequest", "UpdatePodIdentityAssociationRequest",
                "PodIdentityAssociation")) {
            JsonNode members = model.get("shapes").get(shape).get("members");
            assertThat(members.get("sessionTags").get("shape").asText()).as(shape).isEqualTo("SessionTagMap");
            assertThat(members.get("sessionNamePolicy").get("shape").asText()).as(shape).isEqualTo("SessionNamePolicy");
        }
        List<String> values = new ArrayList<>();
        model.get("shapes").get("SessionNamePolicy").get("enum").forEach(v -> values.add(v.asText()));
        assertThat(values).containsExactly(java.util.Arrays.stream(dev.podidentity.domain.SessionNamePolicy.values())
                .map(Enum::name).toArray(String[]::new));
        JsonNode map = model.get("shapes").get("SessionTagMap");
        assertThat(map.get("max").asInt()).isEqualTo(dev.podidentity.domain.SessionTags.MAX_CUSTOM);
        assertThat(model.get("shapes").get(map.get("key").get("shape").asText()).get("max").asInt())
                .isEqualTo(dev.podidentity.domain.SessionTags.MAX_KEY);
        assertThat(model.get("shapes").get(map.get("value").get("shape").asText()).get("max").asInt())
                .isEqualTo(dev.podidentity.domain.SessionTags.MAX_VALUE);
    }

    @Test
    void listOperationsWithNextToken_havePaginators() {
        for (Map.Entry<String, JsonNode> e : model.get("operations").properties()) {
            JsonNode input = shape(e.getValue().get("input").get("shape").asText());
            JsonNode output = shape(e.getValue().get("output").get("shape").asText());
            if (!input.get("members").has("nextToken")) {
                assertThat(paginators.has(e.getKey())).as(e.getKey() + " does not page").isFalse();
                continue;
            }
            JsonNode p = paginators.get(e.getKey());
            assertThat(p).as("paginator for " + e.getKey()).isNotNull();
            assertThat(input.get("members").has(p.get("limit_key").asText())).isTrue();
            assertThat(output.get("members").has(p.get("output_token").asText())).isTrue();
            assertThat(output.get("members").has(p.get("result_key").asText())).isTrue();
        }
    }

    static JsonNode shape(String name) {
        JsonNode s = model.get("shapes").get(name);
        assertThat(s).as("shape " + name).isNotNull();
        return s;
    }
}
