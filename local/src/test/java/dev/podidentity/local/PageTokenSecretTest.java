package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import dev.podidentity.config.Settings;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.service.ListResult;
import dev.podidentity.service.PageTokens;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * The paging key read from Secrets Manager as the stack configures it: a function with PAGE_TOKEN_SECRET_ARN reads
 * the secret once (SigV4-signed GetSecretValue, verified and authorized by the stand-in) and seals nextTokens with
 * it, so they do not open with the derived key, and a role without the grant gets no key.
 */
class PageTokenSecretTest {
    private static final LocalStack STACK = TestStack.get();
    private static final String SECRET = "k".repeat(20) + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL" + "m".repeat(4);

    private static final String REGION = STACK.functionEnvironment(Route.LIST_CLUSTERS).get("AWS_REGION");

    private static Map<String, String> pagingEnv(String secretArn) {
        Map<String, String> env = new HashMap<>(STACK.functionEnvironment(Route.LIST_CLUSTERS));
        env.put(Settings.PAGE_TOKEN_SECRET_ARN, secretArn);
        env.put("AWS_ENDPOINT_URL_SECRETS_MANAGER", STACK.awsEndpoint());
        return env;
    }

    /** The admin functions' role, as the stack grants a paging role: GetSecretValue on that one secret. */
    private static void grantRead(String secretArn) {
        String role = "pod-identity-admin-function";
        try (IamClient iam = TestStack.iam()) {
            iam.putRolePolicy(r -> r.roleName(role).policyName(TestStack.unique("paging-secret")).policyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                            + "\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"" + secretArn + "\"}]}"));
        }
    }

    @Test
    void functionWithSecretArn_readsTheKeyOnceAtPriming_andItsTokensDoNotOpenWithTheDerivedKey() {
        String arn = STACK.aws().putSecret(REGION, TestStack.unique("paging"), SECRET);
        grantRead(arn);
        TestStack.registerCluster(TestStack.unique("page-a"));
        TestStack.registerCluster(TestStack.unique("page-b"));
        Composition function = Composition.from(pagingEnv(arn));
        Map<String, String> derivedEnv = new HashMap<>(STACK.functionEnvironment(Route.LIST_CLUSTERS));
        Composition derived = Composition.from(derivedEnv);

        function.prime();
        assertThat(STACK.aws().secretReads(arn)).as("read while priming, before a snapshot").isEqualTo(1);

        ListResult<?> first = function.clusters().list(1, null);
        assertThat(first.nextToken()).isNotNull();
        assertThat(function.clusters().list(1, first.nextToken()).items()).hasSize(1);
        assertThat(new PageTokens(SECRET.getBytes(StandardCharsets.UTF_8)).decode("ListClusters", first.nextToken()))
                .as("sealed with the secret's value").isNotEmpty();
        assertThatThrownBy(() -> derived.clusters().list(1, first.nextToken()))
                .isInstanceOfSatisfying(ServiceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER));
        String derivedToken = derived.clusters().list(1, null).nextToken();
        assertThatThrownBy(() -> function.clusters().list(1, derivedToken)).isInstanceOf(ServiceException.class);
        assertThat(STACK.aws().secretReads(arn)).as("once per execution environment").isEqualTo(1);
    }

    @Test
    void roleWithoutTheGrant_getsNoKey_andTheSecretValueIsNotInTheError() {
        String arn = STACK.aws().putSecret(REGION, TestStack.unique("ungranted"), SECRET);
        Composition function = Composition.from(pagingEnv(arn));

        assertThatThrownBy(function::pageTokens).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("AccessDeniedException").hasMessageContaining(arn)
                .hasMessageNotContaining(SECRET);
        assertThat(STACK.aws().secretReads(arn)).isZero();
    }

    @Test
    void missingSecret_isReportedByName() {
        String arn = "arn:aws:secretsmanager:us-east-1:" + STACK.functionEnvironment(Route.LIST_CLUSTERS)
                .get(Settings.ACCOUNT_ID) + ":secret:absent-AbCdEf";
        assertThatThrownBy(() -> Composition.from(pagingEnv(arn)).pageTokens())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ResourceNotFoundException");
    }
}
