package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.podidentity.cfn.CustomResourceHandler;
import dev.podidentity.cfn.ResponseSender;
import dev.podidentity.config.Composition;
import dev.podidentity.handlers.Routes;
import dev.podidentity.local.aws.AwsStandIn;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eks.EksClient;

/**
 * The custom resource provider driven by CloudFormation's request events, as Lambda runs it (event bytes in), against
 * the local stack; each response is the PUT to the pre-signed ResponseURL, captured by a local HTTP server.
 */
class CustomResourceProviderTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String STACK_ID = "arn:aws:cloudformation:us-east-1:000000000000:stack/apps/5b6f0c60-8a3e-11ef-9f3a-0a1b2c3d4e5f";
    static final String SERVICE_TOKEN = "arn:aws:lambda:us-east-1:000000000000:function:pod-identity-CustomResourceProvider";

    record Put(String path, String query, String contentType, JsonNode body) {
    }

    static HttpServer s3;
    static final List<Put> PUTS = new CopyOnWriteArrayList<>();
    static CustomResourceHandler handler;
    static LocalStack stack;
    static EksClient eks;

    @BeforeAll
    static void setUp() throws Exception {
        stack = TestStack.get();
        eks = TestStack.eks();
        s3 = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s3.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            PUTS.add(new Put(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders().getFirst("Content-Type"),
                    JSON.readTree(body)));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        s3.start();
        Composition c = Composition.from(stack.functionEnvironment(Routes.byOperation("CreatePodIdentityAssociation")));
        handler = new CustomResourceHandler(CustomResourceHandler.provider(c), new ResponseSender());
    }

    @AfterAll
    static void tearDown() {
        s3.stop(0);
        eks.close();
    }

    /** An event as CloudFormation sends it (ServiceToken repeated in the properties, scalars as strings). */
    static ObjectNode event(String type, String resourceType, String logicalId, String physicalId,
                            Map<String, Object> properties, Map<String, Object> oldProperties) {
        String requestId = UUID.randomUUID().toString();
        ObjectNode e = JSON.createObjectNode();
        e.put("RequestType", type);
        e.put("ServiceToken", SERVICE_TOKEN);
        e.put("ResponseURL", "http://127.0.0.1:" + s3.getAddress().getPort()
                + "/cloudformation-custom-resource-response-useast1/" + "arn%3Aaws%3Acloudformation%3Aus-east-1%3A000000000000"
                + "%3Astack/apps/5b6f/" + requestId + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261204T203000Z"
                + "&X-Amz-SignedHeaders=host&X-Amz-Expires=7200&X-Amz-Credential=AKIAEXAMPLE%2F20261204%2Fus-east-1%2Fs3"
                + "%2Faws4_request&X-Amz-Signature=0123abcd");
        e.put("StackId", STACK_ID);
        e.put("RequestId", requestId);
        e.put("LogicalResourceId", logicalId);
        if (physicalId != null) {
            e.put("PhysicalResourceId", physicalId);
        }
        e.put("ResourceType", resourceType);
        ObjectNode props = JSON.valueToTree(properties);
        props.put("ServiceToken", SERVICE_TOKEN);
        e.set("ResourceProperties", props);
        if (oldProperties != null) {
            ObjectNode old = JSON.valueToTree(oldProperties);
            old.put("ServiceToken", SERVICE_TOKEN);
            e.set("OldResourceProperties", old);
        }
        return e;
    }

    /** Runs the handler as Lambda does; answers the body it PUT to the ResponseURL. */
    static JsonNode invoke(ObjectNode event) throws Exception {
        int before = PUTS.size();
        handler.handleRequest(new ByteArrayInputStream(JSON.writeValueAsBytes(event)), new ByteArrayOutputStream(), null);
        assertThat(PUTS).hasSize(before + 1);
        Put put = PUTS.get(before);
        assertThat(put.path()).startsWith("PUT /cloudformation-custom-resource-response-useast1/");
        assertThat(put.query()).contains("X-Amz-Signature=0123abcd");
        assertThat(put.contentType()).as("the URL is signed without a Content-Type").isNull();
        JsonNode body = put.body();
        assertThat(body.get("StackId").asText()).isEqualTo(STACK_ID);
        assertThat(body.get("RequestId").asText()).isEqualTo(event.get("RequestId").asText());
        assertThat(body.get("LogicalResourceId").asText()).isEqualTo(event.get("LogicalResourceId").asText());
        assertThat(body.get("PhysicalResourceId").asText()).isNotEmpty();
        return body;
    }

    static ObjectNode retryOf(ObjectNode event) {
        return event.deepCopy();
    }

    @Test
    void association_create_retry_updateInPlace_replace_delete_deleteOfGone() throws Exception {
        String cluster = stack.localCluster().name();
        String ns = TestStack.unique("cfn").replace("cfn-", "cfn");
        String role = TestStack.brokerTrustedRole(TestStack.unique("cfn-role"));
        String role2 = TestStack.brokerTrustedRole(TestStack.unique("cfn-role2"));
        Map<String, Object> props = Map.of("ClusterName", cluster, "Namespace", ns, "ServiceAccount", "api",
                "RoleArn", role, "SessionTags", List.of(Map.of("Key", "team", "Value", "payments")),
                "SessionNamePolicy", "POD", "Tags", List.of(Map.of("Key", "owner", "Value", "platform")));

        ObjectNode create = event("Create", "Custom::PodIdentityAssociation", "ApiAssociation", null, props, null);
        JsonNode created = invoke(create);
        assertThat(created.get("Status").asText()).as(created.toString()).isEqualTo("SUCCESS");
        String physical = created.get("PhysicalResourceId").asText();
        String id = created.get("Data").get("AssociationId").asText();
        assertThat(physical).isEqualTo(created.get("Data").get("AssociationArn").asText())
                .endsWith(":podidentityassociation/" + cluster + "/" + id);

        // CloudFormation retries a Create whose answer it did not get: the same request id, the same association
        JsonNode retried = invoke(retryOf(create));
        assertThat(retried.get("Status").asText()).as(retried.toString()).isEqualTo("SUCCESS");
        assertThat(retried.get("PhysicalResourceId").asText()).isEqualTo(physical);
        assertThat(eks.listPodIdentityAssociations(r -> r.clusterName(cluster).namespace(ns)).associations()).hasSize(1);
        JsonNode described = ClusterApi.signed("GET", "/clusters/" + cluster + "/pod-identity-associations/" + id, null)
                .json().get("association");
        assertThat(described.get("sessionTags").get("team").asText()).isEqualTo("payments");
        assertThat(described.get("sessionNamePolicy").asText()).isEqualTo("POD");
        assertThat(described.get("tags").get("owner").asText()).isEqualTo("platform");

        // role and session tags change: in place, same physical id; removed properties return to their defaults
        Map<String, Object> inPlace = Map.of("ClusterName", cluster, "Namespace", ns, "ServiceAccount", "api",
                "RoleArn", role2, "SessionTags", Map.of("team", "risk"), "Tags", List.of(Map.of("Key", "tier", "Value", "1")));
        JsonNode updated = invoke(event("Update", "Custom::PodIdentityAssociation", "ApiAssociation", physical, inPlace, props));
        assertThat(updated.get("Status").asText()).as(updated.toString()).isEqualTo("SUCCESS");
        assertThat(updated.get("PhysicalResourceId").asText()).isEqualTo(physical);
        described = ClusterApi.signed("GET", "/clusters/" + cluster + "/pod-identity-associations/" + id, null)
                .json().get("association");
        assertThat(described.get("roleArn").asText()).isEqualTo(role2);
        assertThat(described.get("sessionTags").toString()).isEqualTo("{\"team\":\"risk\"}");
        assertThat(described.get("sessionNamePolicy").asText()).isEqualTo("UNIQUE");
        assertThat(described.get("tags").toString()).isEqualTo("{\"tier\":\"1\"}");

        // service account changes: replacement, a new physical id; the old one stays until CloudFormation deletes it
        Map<String, Object> moved = Map.of("ClusterName", cluster, "Namespace", ns, "ServiceAccount", "api-v2",
                "RoleArn", role2);
        JsonNode replaced = invoke(event("Update", "Custom::PodIdentityAssociation", "ApiAssociation", physical, moved, inPlace));
        assertThat(replaced.get("Status").asText()).as(replaced.toString()).isEqualTo("SUCCESS");
        String newPhysical = replaced.get("PhysicalResourceId").asText();
        assertThat(newPhysical).isNotEqualTo(physical);
        assertThat(eks.listPodIdentityAssociations(r -> r.clusterName(cluster).namespace(ns)).associations()).hasSize(2);

        // the cleanup Delete of the old one, then a Delete of what is already gone: both SUCCESS
        JsonNode deleted = invoke(event("Delete", "Custom::PodIdentityAssociation", "ApiAssociation", physical, inPlace, null));
        assertThat(deleted.get("Status").asText()).isEqualTo("SUCCESS");
        assertThat(deleted.get("PhysicalResourceId").asText()).isEqualTo(physical);
        JsonNode again = invoke(event("Delete", "Custom::PodIdentityAssociation", "ApiAssociation", physical, inPlace, null));
        assertThat(again.get("Status").asText()).isEqualTo("SUCCESS");
        assertThat(eks.listPodIdentityAssociations(r -> r.clusterName(cluster).namespace(ns)).associations())
                .extracting(a -> a.serviceAccount()).containsExactly("api-v2");
        assertThat(invoke(event("Delete", "Custom::PodIdentityAssociation", "ApiAssociation", newPhysical, moved, null))
                .get("Status").asText()).isEqualTo("SUCCESS");
        assertThat(eks.listPodIdentityAssociations(r -> r.clusterName(cluster).namespace(ns)).associations()).isEmpty();
    }

    @Test
    void association_refusals_reachCloudFormation_asFailed_withTheServiceMessage() throws Exception {
        String cluster = stack.localCluster().name();
        String ns = TestStack.unique("cfnbad").replace("cfnbad-", "cfnbad");
        String role = TestStack.brokerTrustedRole(TestStack.unique("cfnbad-role"));
        ObjectNode create = event("Create", "Custom::PodIdentityAssociation", "Bad", null, Map.of("ClusterName", cluster,
                "Namespace", ns, "ServiceAccount", "api", "RoleArn", role,
                "SessionTags", Map.of("kubernetes-namespace", "x")), null);
        JsonNode failed = invoke(create);
        assertThat(failed.get("Status").asText()).isEqualTo("FAILED");
        assertThat(failed.get("Reason").asText()).startsWith("InvalidParameterException: ").contains("is reserved");
        // the Delete CloudFormation sends after a failed Create succeeds without touching anything
        JsonNode cleanup = invoke(event("Delete", "Custom::PodIdentityAssociation", "Bad",
                failed.get("PhysicalResourceId").asText(), Map.of(), null));
        assertThat(cleanup.get("Status").asText()).isEqualTo("SUCCESS");

        JsonNode noCluster = invoke(event("Create", "Custom::PodIdentityAssociation", "Bad", null, Map.of(
                "ClusterName", "no-such-cluster", "Namespace", ns, "ServiceAccount", "api", "RoleArn", role), null));
        assertThat(noCluster.get("Status").asText()).isEqualTo("FAILED");
        assertThat(noCluster.get("Reason").asText()).startsWith("ResourceNotFoundException: ").contains("no-such-cluster");

        JsonNode untrusted = invoke(event("Create", "Custom::PodIdentityAssociation", "Bad", null, Map.of(
                "ClusterName", cluster, "Namespace", ns, "ServiceAccount", "api",
                "RoleArn", TestStack.role(TestStack.unique("cfn-untrusted"), "[\"sts:AssumeRole\"]")), null));
        assertThat(untrusted.get("Status").asText()).isEqualTo("FAILED");
        assertThat(untrusted.get("Reason").asText()).contains("sts:TagSession");
    }

    @Test
    void cluster_create_update_replace_delete() throws Exception {
        String name = TestStack.unique("cfn-cluster");
        String jwks = Keys.rsaJwks("k1");
        Map<String, Object> props = Map.of("Name", name, "Issuer", "https://oidc.example/" + name,
                "Jwks", JSON.readTree(jwks), "PodTokenLifetimeSeconds", "3600",
                "Tags", List.of(Map.of("Key", "env", "Value", "dev")));
        ObjectNode create = event("Create", "Custom::PodIdentityCluster", "Cluster", null, props, null);
        JsonNode created = invoke(create);
        assertThat(created.get("Status").asText()).as(created.toString()).isEqualTo("SUCCESS");
        assertThat(created.get("PhysicalResourceId").asText()).isEqualTo(name);
        assertThat(created.get("Data").get("Arn").asText()).endsWith(":cluster/" + name);
        assertThat(invoke(retryOf(create)).get("Status").asText()).isEqualTo("SUCCESS");
        assertThat(eks.describeCluster(r -> r.name(name)).cluster().tags()).isEqualTo(Map.of("env", "dev"));

        Map<String, Object> rotated = Map.of("Name", name, "Issuer", "https://oidc.example/" + name,
                "Jwks", Keys.rsaJwks("k2"), "PodTokenLifetimeSeconds", "7200");
        JsonNode updated = invoke(event("Update", "Custom::PodIdentityCluster", "Cluster", name, rotated, props));
        assertThat(updated.get("Status").asText()).as(updated.toString()).isEqualTo("SUCCESS");
        assertThat(updated.get("PhysicalResourceId").asText()).isEqualTo(name);
        JsonNode described = ClusterApi.signed("GET", "/clusters/" + name, null).json().get("cluster");
        assertThat(described.get("jwks").get("keys").get(0).get("kid").asText()).isEqualTo("k2");
        assertThat(described.get("podTokenLifetimeSeconds").asInt()).isEqualTo(7200);
        assertThat(described.get("tags").size()).as("a tag removed from the template is removed").isZero();

        // someone else's cluster of the same name is not taken over
        JsonNode clash = invoke(event("Create", "Custom::PodIdentityCluster", "Other", null, Map.of("Name", name,
                "Issuer", "https://elsewhere.example", "Jwks", jwks), null));
        assertThat(clash.get("Status").asText()).isEqualTo("FAILED");
        assertThat(clash.get("Reason").asText()).contains("already registered with issuer");

        // a cluster with associations is not deleted: FAILED with the service's message
        String role = TestStack.brokerTrustedRole(TestStack.unique("cfn-cl-role"));
        String id = eks.createPodIdentityAssociation(r -> r.clusterName(name).namespace("ns").serviceAccount("sa")
                .roleArn(role)).association().associationId();
        JsonNode inUse = invoke(event("Delete", "Custom::PodIdentityCluster", "Cluster", name, rotated, null));
        assertThat(inUse.get("Status").asText()).isEqualTo("FAILED");
        assertThat(inUse.get("Reason").asText()).startsWith("ResourceInUseException: ");
        eks.deletePodIdentityAssociation(r -> r.clusterName(name).associationId(id));

        String renamed = name + "-b";
        JsonNode replaced = invoke(event("Update", "Custom::PodIdentityCluster", "Cluster", name,
                Map.of("Name", renamed, "Issuer", "https://oidc.example/" + name, "Jwks", jwks), rotated));
        assertThat(replaced.get("PhysicalResourceId").asText()).isEqualTo(renamed);
        for (String n : List.of(name, renamed, name)) {
            JsonNode deleted = invoke(event("Delete", "Custom::PodIdentityCluster", "Cluster", n, Map.of(), null));
            assertThat(deleted.get("Status").asText()).as(deleted.toString()).isEqualTo("SUCCESS");
        }
        assertThat(ClusterApi.signed("GET", "/clusters/" + renamed, null).status()).isEqualTo(404);
    }

    @Test
    void anAssociationFromATemplate_givesPodsTheSessionTheTemplateDeclares() throws Exception {
        String cluster = stack.localCluster().name();
        String ns = TestStack.unique("cfnpod").replace("cfnpod-", "cfnpod");
        String role = TestStack.brokerTrustedRole(TestStack.unique("cfnpod-role"));
        JsonNode created = invoke(event("Create", "Custom::PodIdentityAssociation", "Msk", null, Map.of(
                "ClusterName", cluster, "Namespace", ns, "ServiceAccount", "kafka", "RoleArn", role,
                "SessionNamePolicy", "SERVICE_ACCOUNT", "SessionTags", Map.of("team", "data")), null));
        assertThat(created.get("Status").asText()).as(created.toString()).isEqualTo("SUCCESS");
        String token = stack.localCluster().mint(ns, "kafka", "kafka-0", "uid-0", Duration.ofHours(1));
        ClusterApi.Response r = ClusterApi.send(ClusterApi.signedRequest("POST", "/clusters/" + cluster
                        + "/assume-role-for-pod-identity", "{\"token\":\"" + token + "\"}",
                stack.adminCredentials(), "eks-auth", java.time.Clock.systemUTC()), "{\"token\":\"" + token + "\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        AwsStandIn.AssumeRoleCall call = stack.aws().assumeRoleCalls().stream().filter(c -> c.roleArn().equals(role))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(call.sessionName()).isEqualTo("eks-" + cluster + "-" + ns + "-kafka");
        assertThat(call.tags()).containsEntry("team", "data");
    }
}
