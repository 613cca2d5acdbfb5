package dev.podidentity.template;

import static dev.podidentity.template.Synth.list;
import static dev.podidentity.template.Synth.map;
import static dev.podidentity.template.Synth.props;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.podidentity.api.Authorization;
import dev.podidentity.api.Route;
import dev.podidentity.cdk.PodIdentityApp;
import dev.podidentity.handlers.Routes;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;

/** The synthesized template: protections, functions, the API against the route table, least privilege, cdk-nag. */
class StackTemplateTest {
    static Synth synth;

    @BeforeAll
    static void synthesizeOnce() {
        synth = new Synth(p -> p);
    }

    @Test
    void table_isOnDemand_recoverable_protected_encrypted_withTtl_andRetained() {
        var tables = synth.ofType("AWS::DynamoDB::Table");
        assertThat(tables).hasSize(1);
        Map<String, Object> table = tables.get(0).getValue();
        Map<String, Object> p = props(table);
        assertThat(p.get("BillingMode")).isEqualTo("PAY_PER_REQUEST");
        assertThat(map(p.get("PointInTimeRecoverySpecification")).get("PointInTimeRecoveryEnabled")).isEqualTo(true);
        assertThat(p.get("DeletionProtectionEnabled")).isEqualTo(true);
        assertThat(map(p.get("SSESpecification")).get("SSEEnabled")).isEqualTo(true);
        assertThat(map(p.get("TimeToLiveSpecification"))).containsEntry("AttributeName", "expiresAt").containsEntry("Enabled", true);
        assertThat(table.get("DeletionPolicy")).isEqualTo("Retain");
        assertThat(table.get("UpdateReplacePolicy")).isEqualTo("Retain");
        assertThat(list(p.get("GlobalSecondaryIndexes"))).extracting(i -> map(i).get("IndexName")).containsExactly("clusters");
    }

    @Test
    void everyRoute_hasItsFunction_java21Arm64SnapStart_withLogGroupRetention_andSettings() {
        for (Route route : Routes.ALL) {
            Map<String, Object> fn = synth.resources().get(route.operation() + "Function");
            assertThat(fn).as(route.operation()).isNotNull();
            Map<String, Object> p = props(fn);
            assertThat(p.get("Runtime")).isEqualTo("java21");
            assertThat(list(p.get("Architectures"))).containsExactly("arm64");
            assertThat(p.get("Handler")).isEqualTo(route.lambdaHandler());
            assertThat(map(p.get("SnapStart")).get("ApplyOn")).isEqualTo("PublishedVersions");
            assertThat(p.get("MemorySize")).isEqualTo(1024);
            assertThat(p.get("Timeout")).isEqualTo(10);
            assertThat(map(p.get("TracingConfig")).get("Mode")).isEqualTo("Active");
            Map<String, Object> env = map(map(p.get("Environment")).get("Variables"));
            assertThat(env).containsKeys("TABLE_NAME", "ACCOUNT_ID", "JAVA_TOOL_OPTIONS")
                    .containsEntry("POWERTOOLS_SERVICE_NAME", "pod-identity")
                    .containsEntry("POWERTOOLS_METRICS_NAMESPACE", "PodIdentity")
                    .containsEntry("POWERTOOLS_LOG_LEVEL", "INFO");
            Object logGroupRef = map(map(p.get("LoggingConfig")).get("LogGroup")).get("Ref");
            Map<String, Object> logGroup = synth.resources().get((String) logGroupRef);
            assertThat(props(logGroup).get("RetentionInDays")).isEqualTo(30);
        }
        assertThat(synth.ofType("AWS::Lambda::Function")).hasSize(Routes.ALL.size());
        assertThat(synth.ofType("AWS::Lambda::Alias")).hasSize(Routes.ALL.size())
                .allSatisfy(a -> assertThat(props(a.getValue()).get("Name")).isEqualTo("live"));
    }

    @Test
    void everyHandler_loadsFromItsPackage_andTheBrokerHasTheLeanOne() throws Exception {
        Map<String, Object> assets = new HashMap<>();
        for (var fn : synth.ofType("AWS::Lambda::Function")) {
            String handler = (String) props(fn.getValue()).get("Handler");
            String operation = fn.getKey().replaceAll("Function$", "");
            assertHandlerLoads(dev.podidentity.local.Invoke.classpath(Routes.byOperation(operation)), handler);
            assets.put(fn.getKey(), map(props(fn.getValue()).get("Code")).get("S3Key"));
        }
        Object brokerAsset = assets.remove("AssumeRoleForPodIdentityFunction");
        assertThat(assets.remove("AdmitPodFunction")).as("the webhook runs from the broker's package").isEqualTo(brokerAsset);
        assertThat(new HashSet<>(assets.values())).as("admin functions share one package").hasSize(1).doesNotContain(brokerAsset);
        assertThat(Files.size(PodIdentityApp.brokerPackage())).isLessThan(Files.size(PodIdentityApp.functionsPackage()));
        try (var zip = new java.util.zip.ZipFile(PodIdentityApp.brokerPackage().toFile())) {
            assertThat(zip.stream().map(java.util.zip.ZipEntry::getName)).noneMatch(n -> n.startsWith("lib/iam-"));
        }
    }

    /** The handler class loads from the package's classpath alone and has what Lambda calls. */
    static void assertHandlerLoads(String classpath, String handler) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            urls.add(Path.of(entry).toUri().toURL());
        }
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            String className = handler.substring(0, handler.indexOf("::"));
            Class<?> type = Class.forName(className, false, loader);
            assertThat(loader.loadClass(RequestStreamHandler.class.getName()).isAssignableFrom(type)).as(handler).isTrue();
            assertThat(type.getConstructor()).as(handler + " has a public no-arg constructor").isNotNull();
            assertThat(type.getMethod(handler.substring(handler.indexOf("::") + 2), java.io.InputStream.class,
                    java.io.OutputStream.class, loader.loadClass("com.amazonaws.services.lambda.runtime.Context"))).isNotNull();
        }
    }

    @Test
    void api_methodsAndPaths_equalTheRouteTable_withItsAuthorization() {
        Set<String> expected = Routes.ALL.stream()
                .map(r -> r.method() + " " + r.pathTemplate() + " " + (r.authorization() == Authorization.AWS_IAM ? "AWS_IAM" : "NONE"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(apiMethods(synth)).isEqualTo(expected);
    }

    static Set<String> apiMethods(Synth s) {
        Map<String, String> paths = new HashMap<>();
        Set<String> out = new TreeSet<>();
        for (var m : s.ofType("AWS::ApiGateway::Method")) {
            Map<String, Object> p = props(m.getValue());
            out.add(p.get("HttpMethod") + " " + path(s, p.get("ResourceId"), paths) + " " + p.get("AuthorizationType"));
        }
        return out;
    }

    static String path(Synth s, Object resourceId, Map<String, String> cache) {
        Map<String, Object> ref = map(resourceId);
        if (ref.containsKey("Fn::GetAtt")) {
            return "";
        }
        String id = (String) ref.get("Ref");
        String known = cache.get(id);
        if (known == null) {
            Map<String, Object> p = props(s.resources().get(id));
            known = path(s, p.get("ParentId"), cache) + "/" + p.get("PathPart");
            cache.put(id, known);
        }
        return known;
    }

    @Test
    void broker_mayReadTheTableAndAssumeRoles_only() {
        List<String> actions = actionsOf("AssumeRoleForPodIdentityRole");
        assertThat(actions).filteredOn(a -> a.startsWith("dynamodb:")).containsExactly("dynamodb:GetItem");
        assertThat(actions).filteredOn(a -> a.startsWith("iam:")).isEmpty();
        assertThat(actions).contains("sts:AssumeRole", "sts:TagSession");
    }

    @Test
    void adminFunctions_getTheirTableActions_andNeverAssumeRoles_andNoWildcardActions() {
        for (Route route : Routes.ALL) {
            if (route.operation().equals("AssumeRoleForPodIdentity")) {
                continue;
            }
            List<String> actions = actionsOf(route.operation() + "Role");
            assertThat(actions).as(route.operation()).doesNotContain("sts:AssumeRole", "sts:TagSession");
            Set<String> dynamo = actions.stream().filter(a -> a.startsWith("dynamodb:")).collect(Collectors.toSet());
            assertThat(dynamo).as(route.operation()).isNotEmpty().doesNotContain("dynamodb:Scan", "dynamodb:BatchWriteItem");
            boolean writes = dynamo.stream().anyMatch(a -> a.matches("dynamodb:(Put|Update|Delete)Item"));
            assertThat(writes && actions.contains("sts:AssumeRole")).isFalse();
            if (route.operation().matches("(Create|Update)PodIdentityAssociation")) {
                assertThat(actions).contains("iam:GetRole", "iam:SimulatePrincipalPolicy");
            } else {
                assertThat(actions).filteredOn(a -> a.startsWith("iam:")).isEmpty();
            }
        }
        for (var policy : synth.ofType("AWS::IAM::Policy")) {
            for (Object statement : list(map(props(policy.getValue()).get("PolicyDocument")).get("Statement"))) {
                for (Object action : list(map(statement).get("Action"))) {
                    assertThat((String) action).as(policy.getKey()).doesNotContain("*");
                }
            }
        }
    }

    /** Every action granted to a role by the policies attached to it. */
    static List<String> actionsOf(String roleLogicalIdPrefix) {
        String roleId = synth.resources().keySet().stream().filter(k -> k.startsWith(roleLogicalIdPrefix)
                        && "AWS::IAM::Role".equals(synth.resources().get(k).get("Type")))
                .findFirst().orElseThrow(() -> new AssertionError("no role " + roleLogicalIdPrefix));
        List<String> actions = new ArrayList<>();
        for (var policy : synth.ofType("AWS::IAM::Policy")) {
            Map<String, Object> p = props(policy.getValue());
            boolean attached = list(p.get("Roles")).stream().anyMatch(r -> roleId.equals(map(r).get("Ref")));
            if (attached) {
                for (Object statement : list(map(p.get("PolicyDocument")).get("Statement"))) {
                    list(map(statement).get("Action")).forEach(a -> actions.add((String) a));
                }
            }
        }
        return actions;
    }

    @Test
    void admitPod_hasNoGatewayAuth_readsOneItemOnly_andIsBoundedLikeTheBroker() {
        assertThat(apiMethods(synth)).contains("POST /clusters/{name}/admission/{webhookKey} NONE",
                "GET /clusters/{name}/webhook-identities AWS_IAM");
        List<String> actions = actionsOf("AdmitPodRole");
        assertThat(actions).filteredOn(a -> a.startsWith("dynamodb:")).containsExactly("dynamodb:GetItem");
        assertThat(actions).filteredOn(a -> a.startsWith("sts:") || a.startsWith("iam:")).isEmpty();
        Map<String, Object> env = map(map(props(synth.resources().get("AdmitPodFunction")).get("Environment")).get("Variables"));
        assertThat(env).containsEntry("SDK_CALL_TIMEOUT_MS", "900");
        assertThat(map(props(synth.resources().get("AdmitPodFunction")).get("SnapStart")).get("ApplyOn")).isEqualTo("PublishedVersions");
    }

    @Test
    void getWebhookIdentities_mayReadItemsAndQuery_only() {
        List<String> actions = actionsOf("GetWebhookIdentitiesRole");
        assertThat(actions).filteredOn(a -> a.startsWith("dynamodb:"))
                .containsExactlyInAnyOrder("dynamodb:GetItem", "dynamodb:Query");
        assertThat(actions).filteredOn(a -> a.startsWith("sts:") || a.startsWith("iam:")).isEmpty();
    }

    @Test
    void cdkNag_awsSolutions_reportsNoErrorsAndNoWarnings() {
        Annotations annotations = Annotations.fromStack(synth.stack);
        assertThat(annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
        assertThat(annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
    }

    @Test
    void stage_throttles_logsAccessAsJson_andTraces() {
        var stages = synth.ofType("AWS::ApiGateway::Stage");
        assertThat(stages).hasSize(1);
        Map<String, Object> p = props(stages.get(0).getValue());
        assertThat(p.get("TracingEnabled")).isEqualTo(true);
        assertThat((String) map(p.get("AccessLogSetting")).get("Format")).contains("\"requestId\"");
        Map<String, Object> settings = map(list(p.get("MethodSettings")).get(0));
        assertThat(settings).containsEntry("ThrottlingRateLimit", 500).containsEntry("ThrottlingBurstLimit", 1000);
    }

    @Test
    void alarms_andOutputs_exist() {
        Set<String> alarms = new HashSet<>();
        synth.ofType("AWS::CloudWatch::Alarm").forEach(a -> alarms.add(a.getKey().replaceAll("[0-9A-F]{8}$", "")));
        assertThat(alarms).contains("Api5xxRate", "AssumeRoleThrottles", "AssumeRoleP99Latency", "StsRefusals",
                "AdmissionFailures", "AdmitPodErrors");
        Map<String, Object> admission = synth.ofType("AWS::CloudWatch::Alarm").stream()
                .filter(a -> a.getKey().startsWith("AdmissionFailures")).findFirst().orElseThrow().getValue();
        assertThat(props(admission)).containsEntry("MetricName", "AdmissionFailures").containsEntry("Namespace", "PodIdentity");
        Map<String, Object> refusals = synth.ofType("AWS::CloudWatch::Alarm").stream()
                .filter(a -> a.getKey().startsWith("StsRefusals")).findFirst().orElseThrow().getValue();
        assertThat(props(refusals)).containsEntry("MetricName", "StsRefusals").containsEntry("Namespace", "PodIdentity");
        Map<String, Object> latency = synth.ofType("AWS::CloudWatch::Alarm").stream()
                .filter(a -> a.getKey().startsWith("AssumeRoleP99Latency")).findFirst().orElseThrow().getValue();
        assertThat(props(latency)).containsEntry("ExtendedStatistic", "p99").containsEntry("Threshold", 500);
        Map<String, Object> outputs = map(synth.json.get("Outputs"));
        assertThat(outputs).containsKeys("ApiUrl", "CredentialBrokerRoleArn", "TableName", "TrustPolicy");
    }
}
