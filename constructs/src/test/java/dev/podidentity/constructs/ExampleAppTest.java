package dev.podidentity.constructs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podidentity.constructs.example.PaymentsApp;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

/** The example app synthesizes to the template CloudFormation and the provider expect. */
class ExampleAppTest {

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return o instanceof List<?> l ? (List<Object>) l : List.of(o);
    }

    static Map<String, Object> single(Map<String, Object> resources, String type) {
        List<Object> found = resources.values().stream().filter(r -> type.equals(map(r).get("Type")))
                .<Object>map(r -> r).toList();
        assertThat(found).as(type).hasSize(1);
        return map(found.get(0));
    }

    @Test
    void paymentsApp_synthesizes_association_cluster_andBrokerTrustedRole() {
        App app = new App();
        Stack stack = PaymentsApp.stack(app, "Payments", "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}");
        app.synth();
        Map<String, Object> resources = map(Template.fromStack(stack).toJSON().get("Resources"));

        Map<String, Object> association = single(resources, PodIdentityAssociation.RESOURCE_TYPE);
        Map<String, Object> p = map(association.get("Properties"));
        assertThat(p.get("ServiceToken")).isEqualTo(Map.of("Fn::ImportValue", "PodIdentity-ServiceToken"));
        assertThat(p.get("Namespace")).isEqualTo("payments");
        assertThat(p.get("ServiceAccount")).isEqualTo("api");
        assertThat(map(p.get("ClusterName"))).containsKey("Ref");
        assertThat(map(p.get("RoleArn"))).containsKey("Fn::GetAtt");
        assertThat(p.get("SessionNamePolicy")).isEqualTo("POD");
        assertThat(p.get("SessionTags")).isEqualTo(List.of(Map.of("Key", "cost-center", "Value", "cc-42"),
                Map.of("Key", "team", "Value", "payments")));
        assertThat(p.get("Tags")).isEqualTo(List.of(Map.of("Key", "owner", "Value", "platform")));

        Map<String, Object> cluster = single(resources, PodIdentityCluster.RESOURCE_TYPE);
        assertThat(map(cluster.get("Properties"))).containsEntry("Name", "prod-eu")
                .containsEntry("PodTokenLifetimeSeconds", "3600");

        Map<String, Object> role = single(resources, "AWS::IAM::Role");
        Map<String, Object> trust = map(list(map(map(role.get("Properties")).get("AssumeRolePolicyDocument"))
                .get("Statement")).get(0));
        assertThat(list(trust.get("Action"))).containsExactlyInAnyOrder("sts:AssumeRole", "sts:TagSession");
        assertThat(map(trust.get("Principal")).get("AWS"))
                .isEqualTo(Map.of("Fn::ImportValue", "PodIdentity-CredentialBrokerRoleArn"));
        Map<String, Object> equals = map(map(trust.get("Condition")).get("StringEquals"));
        assertThat(equals).containsEntry("aws:RequestTag/kubernetes-namespace", "payments")
                .containsEntry("aws:RequestTag/kubernetes-service-account", "api")
                .containsKey("aws:RequestTag/eks-cluster-name");
    }
}
