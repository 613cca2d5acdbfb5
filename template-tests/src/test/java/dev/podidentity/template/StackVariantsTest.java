package dev.podidentity.template;

import static dev.podidentity.template.Synth.list;
import static dev.podidentity.template.Synth.map;
import static dev.podidentity.template.Synth.props;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Props that change the API's protection: IAM on AssumeRoleForPodIdentity, a source-CIDR resource policy, role scope. */
class StackVariantsTest {
    static Synth locked;

    @BeforeAll
    static void synthesizeOnce() {
        locked = new Synth(p -> p.withAssumeRoleIamAuth(true)
                .withAllowedSourceCidrs(List.of("10.0.0.0/16"))
                .withAssumableRoleArns(List.of("arn:aws:iam::123456789012:role/pods/*"))
                .withProvisionedConcurrency(3));
    }

    @Test
    void assumeRoleIamAuth_putsAwsIamOnEveryMethod_butTheWebhook() {
        // the API server cannot sign its webhook calls: AdmitPod authenticates with the key in its URL; the stock
        // webhook's sync holds no AWS credentials (that is its point): it authenticates with its projected token
        assertThat(StackTemplateTest.apiMethods(locked)).filteredOn(m -> !m.contains("/admission/")
                        && !m.startsWith("POST /clusters/{name}/webhook-identities "))
                .isNotEmpty().allMatch(m -> m.endsWith(" AWS_IAM"));
        assertThat(StackTemplateTest.apiMethods(locked)).contains("POST /clusters/{name}/admission/{webhookKey} NONE",
                "POST /clusters/{name}/webhook-identities NONE");
    }

    @Test
    void allowedSourceCidrs_denyAssumeRoleFromOtherNetworks() {
        var api = locked.ofType("AWS::ApiGateway::RestApi").get(0).getValue();
        List<Object> statements = list(map(props(api).get("Policy")).get("Statement"));
        Map<String, Object> deny = statements.stream().map(Synth::map)
                .filter(s -> "Deny".equals(s.get("Effect"))).findFirst().orElseThrow();
        assertThat(list(map(map(deny.get("Condition")).get("NotIpAddress")).get("aws:SourceIp"))).containsExactly("10.0.0.0/16");
        assertThat(list(deny.get("Resource"))).containsExactly("execute-api:/*/POST/clusters/*/assume-role-for-pod-identity",
                "execute-api:/*/POST/clusters/*/admission/*", "execute-api:/*/POST/clusters/*/webhook-identities");
    }

    @Test
    void provisionedConcurrency_isOnTheBrokersAliasOnly() {
        var aliases = locked.ofType("AWS::Lambda::Alias");
        var withConcurrency = aliases.stream().filter(a -> props(a.getValue()).containsKey("ProvisionedConcurrencyConfig")).toList();
        assertThat(withConcurrency).singleElement().satisfies(a -> {
            assertThat(a.getKey()).startsWith("AssumeRoleForPodIdentityAlias");
            assertThat(map(props(a.getValue()).get("ProvisionedConcurrencyConfig")))
                    .containsEntry("ProvisionedConcurrentExecutions", 3);
        });
        assertThat(props(locked.resources().get("AssumeRoleForPodIdentityFunction")))
                .as("SnapStart and provisioned concurrency do not combine").doesNotContainKey("SnapStart");
        assertThat(props(locked.resources().get("DescribeClusterFunction"))).containsKey("SnapStart");
    }

    @Test
    void assumableRoleArns_scopeTheBrokersAssumeRole() {
        for (var policy : locked.ofType("AWS::IAM::Policy")) {
            for (Object s : list(map(props(policy.getValue()).get("PolicyDocument")).get("Statement"))) {
                if (list(map(s).get("Action")).contains("sts:AssumeRole")) {
                    assertThat(list(map(s).get("Resource"))).containsExactly("arn:aws:iam::123456789012:role/pods/*");
                }
            }
        }
    }
}
