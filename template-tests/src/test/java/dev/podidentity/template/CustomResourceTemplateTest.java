package dev.podidentity.template;

import static dev.podidentity.template.Synth.list;
import static dev.podidentity.template.Synth.map;
import static dev.podidentity.template.Synth.props;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podidentity.cdk.CustomResourceProvider;
import dev.podidentity.handlers.Routes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The custom resource provider in the template: its exported service token and its least-privilege role. */
class CustomResourceTemplateTest {
    static Synth synth;

    @BeforeAll
    static void synthesizeOnce() {
        synth = new Synth("PodIdentity", p -> p);
    }

    @Test
    void serviceToken_isTheProviderFunctionsArn_exportedUnderTheStackName() {
        Map<String, Object> output = map(map(synth.json.get("Outputs")).get(CustomResourceProvider.OUTPUT_ID));
        assertThat(output).isNotNull();
        assertThat(map(output.get("Value"))).isEqualTo(Map.of("Fn::GetAtt", List.of(CustomResourceProvider.FUNCTION_ID, "Arn")));
        assertThat(map(output.get("Export"))).isEqualTo(Map.of("Name", "PodIdentity-ServiceToken"));
        // a second stack exports under its own name, so both deploy in one account and region
        Synth other = new Synth("PodIdentityStaging", p -> p);
        assertThat(map(map(map(other.json.get("Outputs")).get(CustomResourceProvider.OUTPUT_ID)).get("Export")))
                .isEqualTo(Map.of("Name", "PodIdentityStaging-ServiceToken"));
    }

    @Test
    void provider_isNotAnApiRoute_andLoadsFromTheAdminPackage() throws Exception {
        Map<String, Object> fn = synth.resources().get(CustomResourceProvider.FUNCTION_ID);
        Map<String, Object> p = props(fn);
        assertThat(p.get("Handler")).isEqualTo(CustomResourceProvider.HANDLER);
        assertThat(p.get("Runtime")).isEqualTo("java21");
        assertThat(p.get("FunctionName")).isEqualTo("PodIdentity-CustomResourceProvider");
        StackTemplateTest.assertHandlerLoads(dev.podidentity.local.Invoke.classpath(
                Routes.byOperation("CreatePodIdentityAssociation")), CustomResourceProvider.HANDLER);
        Object code = map(p.get("Code")).get("S3Key");
        Object adminCode = map(props(synth.resources().get("CreatePodIdentityAssociationFunction")).get("Code")).get("S3Key");
        assertThat(code).as("the admin package: no STS client").isEqualTo(adminCode);
        for (var method : synth.ofType("AWS::ApiGateway::Method")) {
            assertThat(method.getValue().toString()).doesNotContain(CustomResourceProvider.FUNCTION_ID);
        }
        assertThat(synth.ofType("AWS::Lambda::Permission")).noneMatch(perm -> perm.getValue().toString()
                .contains(CustomResourceProvider.FUNCTION_ID));
    }

    @Test
    void providerRole_mayDoExactlyWhatItsOperationsNeed() {
        List<Map<String, Object>> statements = new java.util.ArrayList<>();
        String roleId = CustomResourceProvider.ROLE_ID;
        String fullRoleId = synth.resources().keySet().stream().filter(k -> k.startsWith(roleId)
                && "AWS::IAM::Role".equals(synth.resources().get(k).get("Type"))).findFirst().orElseThrow();
        Map<String, Object> role = props(synth.resources().get(fullRoleId));
        assertThat(role.get("ManagedPolicyArns")).isNull();
        assertThat(role.toString()).contains("lambda.amazonaws.com");
        for (var policy : synth.ofType("AWS::IAM::Policy")) {
            if (list(props(policy.getValue()).get("Roles")).stream().anyMatch(r -> fullRoleId.equals(map(r).get("Ref")))) {
                list(map(props(policy.getValue()).get("PolicyDocument")).get("Statement"))
                        .forEach(s -> statements.add(map(s)));
            }
        }
        Map<String, Object> table = statements.stream().filter(s -> "Table".equals(s.get("Sid"))).findFirst().orElseThrow();
        assertThat(list(table.get("Action"))).containsExactlyInAnyOrder("dynamodb:DeleteItem", "dynamodb:GetItem",
                "dynamodb:PutItem", "dynamodb:UpdateItem");
        assertThat(list(table.get("Resource"))).hasSize(1);
        Map<String, Object> iam = statements.stream().filter(s -> "RoleChecks".equals(s.get("Sid"))).findFirst().orElseThrow();
        assertThat(list(iam.get("Action"))).containsExactly("iam:GetRole");
        List<Object> all = statements.stream().flatMap(s -> list(s.get("Action")).stream()).toList();
        assertThat(all).noneMatch(a -> ((String) a).startsWith("sts:") || ((String) a).startsWith("secretsmanager:")
                || ((String) a).contains("*") || a.equals("dynamodb:Query") || a.equals("iam:SimulatePrincipalPolicy")
                || a.equals("iam:PassRole"));
        assertThat(all).filteredOn(a -> !((String) a).startsWith("dynamodb:") && !((String) a).startsWith("iam:"))
                .allMatch(a -> ((String) a).startsWith("logs:") || ((String) a).startsWith("xray:"));
    }
}
