package dev.podidentity.template;

import static dev.podidentity.template.Synth.list;
import static dev.podidentity.template.Synth.map;
import static dev.podidentity.template.Synth.props;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.podidentity.api.Authorization;
import dev.podidentity.api.Capability;
import dev.podidentity.api.FunctionPackage;
import dev.podidentity.api.Route;
import dev.podidentity.api.TableAction;
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
        assertThat(synth.ofType("AWS::Lambda::Function")).as("one per route and the custom resource provider")
                .hasSize(Routes.ALL.size() + 1);
        assertThat(synth.ofType("AWS::Lambda::Alias")).hasSize(Routes.ALL.size())
                .allSatisfy(a -> assertThat(props(a.getValue()).get("Name")).isEqualTo("live"));
    }

    @Test
    void everyHandler_loadsFromItsPackage_andTheBrokerHasTheLeanOne() throws Exception {
        Map<String, Object> assets = new HashMap<>();
        for (var fn : synth.ofType("AWS::Lambda::Function")) {
            String handler = (String) props(fn.getValue()).get("Handler");
            String operation = fn.getKey().replaceAll("Function$", "");
            if (fn.getKey().equals(dev.podidentity.cdk.CustomResourceProvider.FUNCTION_ID)) {
                continue; // not a route: CustomResourceTemplateTest
            }
            assertHandlerLoads(dev.podidentity.local.Invoke.classpath(Routes.byOperation(operation)), handler);
            assets.put(fn.getKey(), map(props(fn.getValue()).get("Code")).get("S3Key"));
        }
        Map<FunctionPackage, Set<Object>> byPackage = new java.util.EnumMap<>(FunctionPackage.class);
        for (Route route : Routes.ALL) {
            byPackage.computeIfAbsent(route.functionPackage(), p -> new HashSet<>()).add(assets.get(route.operation() + "Function"));
        }
        assertThat(byPackage.get(FunctionPackage.ADMIN)).as("admin functions share one package").hasSize(1);
        assertThat(byPackage.get(FunctionPackage.BROKER)).as("broker-package functions share one package").hasSize(1)
                .doesNotContainAnyElementsOf(byPackage.get(FunctionPackage.ADMIN));
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

    /**
     * Tag routes take whole ARNs, whose slashes API Gateway may decode before matching: only a greedy resource
     * matches them either way. It must be the only resource under /tags (nothing else can be swallowed), have no
     * children, and carry the three tag methods with IAM authorization; no single-segment {resourceArn} remains.
     */
    @Test
    void tags_useOneGreedyResource_withTheThreeMethods_andIamAuth() {
        Map<String, String> paths = new HashMap<>();
        Map<String, String> pathById = new HashMap<>();
        for (var resource : synth.ofType("AWS::ApiGateway::Resource")) {
            pathById.put(resource.getKey(), path(synth, Map.of("Ref", resource.getKey()), paths));
        }
        assertThat(pathById.values()).contains("/tags", "/tags/{resourceArn+}")
                .doesNotContain("/tags/{resourceArn}")
                .filteredOn(p -> p.startsWith("/tags/")).containsExactly("/tags/{resourceArn+}");
        assertThat(pathById.values()).as("greedy resources are the last path part, and only /tags has one")
                .filteredOn(p -> p.contains("+}")).containsExactly("/tags/{resourceArn+}");
        Set<String> tagMethods = apiMethods(synth).stream().filter(m -> m.contains(" /tags")).collect(Collectors.toSet());
        assertThat(tagMethods).containsExactlyInAnyOrder("POST /tags/{resourceArn+} AWS_IAM",
                "DELETE /tags/{resourceArn+} AWS_IAM", "GET /tags/{resourceArn+} AWS_IAM");
        for (var method : synth.ofType("AWS::ApiGateway::Method")) {
            Map<String, Object> p = props(method.getValue());
            if (path(synth, p.get("ResourceId"), paths).startsWith("/tags")) {
                assertThat(map(p.get("Integration"))).containsEntry("Type", "AWS_PROXY");
                assertThat(p.get("OperationName")).isIn("TagResource", "UntagResource", "ListTagsForResource");
            }
        }
    }

    @Test
    void broker_mayReadTheTableAndAssumeRoles_only() {
        List<String> actions = actionsOf("AssumeRoleForPodIdentityRole");
        assertThat(actions).filteredOn(a -> a.startsWith("dynamodb:"))
                .as("the cluster's item; the binding and the pod's tombstone in one batch")
                .containsExactlyInAnyOrder("dynamodb:GetItem", "dynamodb:BatchGetItem");
        assertThat(actions).filteredOn(a -> a.startsWith("iam:")).isEmpty();
        assertThat(actions).contains("sts:AssumeRole", "sts:TagSession");
    }

    @Test
    void adminFunctions_getTheirTableActions_andNeverAssumeRoles_andNoWildcardActions() {
        for (Route route : Routes.ALL) {
            List<String> actions = actionsOf(route.operation() + "Role");
            Set<String> dynamo = actions.stream().filter(a -> a.startsWith("dynamodb:")).collect(Collectors.toSet());
            assertThat(dynamo).as(route.operation() + ": exactly the route's table actions")
                    .isEqualTo(route.tableActions().stream().map(TableAction::iamAction).collect(Collectors.toSet()));
            if (route.has(Capability.ASSUMES_ROLES)) {
                assertThat(dynamo).as("the broker only reads")
                        .containsExactlyInAnyOrder("dynamodb:GetItem", "dynamodb:BatchGetItem");
                continue;
            }
            assertThat(actions).as(route.operation()).doesNotContain("sts:AssumeRole", "sts:TagSession");
            if (route.has(Capability.CHECKS_ROLES)) {
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

    @Test
    void diagnose_mayOnlyGetItems_andReadIam_neverSts() {
        List<String> actions = actionsOf("DiagnosePodIdentityRole");
        assertThat(actions).filteredOn(a -> !a.startsWith("logs:") && !a.startsWith("xray:"))
                .as("one table read, IAM reads; no write, no Query/Scan, no sts:* (diagnosis never mints credentials)")
                .containsExactlyInAnyOrder("dynamodb:GetItem", "iam:GetRole", "iam:SimulatePrincipalPolicy");
        Map<String, Object> fn = props(synth.resources().get("DiagnosePodIdentityFunction"));
        assertThat(map(map(fn.get("Environment")).get("Variables"))).containsKey("BROKER_ROLE_ARN");
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
    void admitPod_hasNoGatewayAuth_readsItems_writesTombstones_andIsBoundedLikeTheBroker() {
        assertThat(apiMethods(synth)).contains("POST /clusters/{name}/admission/{webhookKey} NONE",
                "GET /clusters/{name}/webhook-identities AWS_IAM");
        List<String> actions = actionsOf("AdmitPodRole");
        assertThat(actions).filteredOn(a -> a.startsWith("dynamodb:")).as("reads; PutItem for deleted pods' tombstones")
                .containsExactlyInAnyOrder("dynamodb:GetItem", "dynamodb:PutItem");
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
    void syncWebhookIdentities_isTokenAuthorized_fromTheLeanPackage_andMayReadItemsAndQuery_only() {
        assertThat(apiMethods(synth)).contains("POST /clusters/{name}/webhook-identities NONE",
                "GET /clusters/{name}/webhook-identities AWS_IAM");
        List<String> actions = actionsOf("SyncWebhookIdentitiesRole");
        assertThat(actions).filteredOn(a -> a.startsWith("dynamodb:"))
                .containsExactlyInAnyOrder("dynamodb:GetItem", "dynamodb:Query");
        assertThat(actions).filteredOn(a -> a.startsWith("sts:") || a.startsWith("iam:")).isEmpty();
        Map<String, Object> env = map(map(props(synth.resources().get("SyncWebhookIdentitiesFunction")).get("Environment"))
                .get("Variables"));
        assertThat(env).containsEntry("SDK_CALL_TIMEOUT_MS", "900").doesNotContainKey("PAGE_TOKEN_SECRET_ARN");
    }

    @Test
    void pagingKey_isAGeneratedSecret_readableAndNamedOnlyByTheRoutesThatPage() {
        var secrets = synth.ofType("AWS::SecretsManager::Secret");
        assertThat(secrets).hasSize(1);
        String secretId = secrets.get(0).getKey();
        assertThat(map(props(secrets.get(0).getValue()).get("GenerateSecretString")))
                .containsEntry("PasswordLength", 64).containsEntry("ExcludePunctuation", true);
        assertThat(Routes.ALL).filteredOn(r -> r.has(Capability.PAGES)).extracting(Route::operation)
                .as("the routes that answer nextToken").containsExactlyInAnyOrder("ListClusters", "ListPodIdentityAssociations");
        for (Route route : Routes.ALL) {
            Map<String, Object> env = map(map(props(synth.resources().get(route.operation() + "Function"))
                    .get("Environment")).get("Variables"));
            List<String> actions = actionsOf(route.operation() + "Role");
            if (route.has(Capability.PAGES)) {
                assertThat(env.get("PAGE_TOKEN_SECRET_ARN")).as(route.operation()).isEqualTo(Map.of("Ref", secretId));
                assertThat(actions).filteredOn(a -> a.startsWith("secretsmanager:") || a.startsWith("kms:"))
                        .as(route.operation()).containsExactly("secretsmanager:GetSecretValue");
            } else {
                assertThat(env).as(route.operation()).doesNotContainKey("PAGE_TOKEN_SECRET_ARN");
                assertThat(actions).filteredOn(a -> a.startsWith("secretsmanager:") || a.startsWith("kms:"))
                        .as(route.operation()).isEmpty();
            }
        }
        Set<String> pagingRoles = new TreeSet<>();
        for (var policy : synth.ofType("AWS::IAM::Policy")) {
            Map<String, Object> p = props(policy.getValue());
            for (Object statement : list(map(p.get("PolicyDocument")).get("Statement"))) {
                Object resource = map(statement).get("Resource");
                if (String.valueOf(resource).contains(secretId)) {
                    assertThat(resource).as("the secret alone").isEqualTo(Map.of("Ref", secretId));
                    assertThat(list(map(statement).get("Action"))).containsExactly("secretsmanager:GetSecretValue");
                    list(p.get("Roles")).forEach(r -> pagingRoles.add(String.valueOf(map(r).get("Ref"))));
                }
            }
        }
        assertThat(pagingRoles).as("roles that may read the paging key").hasSize(2)
                .allSatisfy(r -> assertThat(r).matches("(ListClusters|ListPodIdentityAssociations)Role.*"));
    }

    @Test
    void cdkNag_awsSolutions_reportsNoErrorsAndNoWarnings() {
        Annotations annotations = Annotations.fromStack(synth.stack);
        assertThat(annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
        assertThat(annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
    }

    @Test
    void stage_throttlesEachClusterRouteApart_logsAccessAsJson_andNeverRecordsTheWebhookKey() {
        var stages = synth.ofType("AWS::ApiGateway::Stage");
        assertThat(stages).hasSize(1);
        Map<String, Object> p = props(stages.get(0).getValue());
        assertThat(p.get("TracingEnabled")).as("a stage trace records the URL, which holds the webhook key").isEqualTo(false);
        String format = (String) map(p.get("AccessLogSetting")).get("Format");
        assertThat(format).contains("\"requestId\"").contains("$context.resourcePath")
                .as("the request path holds the webhook key").doesNotContain("$context.path");
        Map<String, Map<String, Object>> byPath = new HashMap<>();
        for (Object o : list(p.get("MethodSettings"))) {
            Map<String, Object> m = map(o);
            byPath.put(m.get("ResourcePath") + " " + m.get("HttpMethod"), m);
        }
        assertThat(byPath.get("/* *")).containsEntry("ThrottlingRateLimit", 500).containsEntry("ThrottlingBurstLimit", 1000);
        assertThat(byPath.get("/~1clusters~1{name}~1assume-role-for-pod-identity POST"))
                .containsEntry("ThrottlingRateLimit", 500).containsEntry("ThrottlingBurstLimit", 1000)
                .containsEntry("MetricsEnabled", true);
        assertThat(byPath.get("/~1clusters~1{name}~1admission~1{webhookKey} POST"))
                .containsEntry("ThrottlingRateLimit", 100).containsEntry("ThrottlingBurstLimit", 200)
                .containsEntry("MetricsEnabled", true);
        assertThat(byPath.get("/~1clusters~1{name}~1webhook-identities POST"))
                .containsEntry("ThrottlingRateLimit", 10).containsEntry("ThrottlingBurstLimit", 20)
                .containsEntry("MetricsEnabled", true);
    }

    @Test
    void dashboard_showsCredentials_webhookOutcomesByReason_p99Latency_andThrottles() {
        var dashboards = synth.ofType("AWS::CloudWatch::Dashboard");
        assertThat(dashboards).hasSize(1);
        String body = String.valueOf(props(dashboards.get(0).getValue()).get("DashboardBody"));
        assertThat(body).contains("Credentials issued and refused", "StsRefusals", "Webhook outcomes", "p99 latency",
                "Throttles", "\"stat\":\"p99\"", "\"Resource\",\"/clusters/{name}/admission/{webhookKey}\"");
        for (dev.podidentity.service.admission.AdmissionReason r : dev.podidentity.service.admission.AdmissionReason.values()) {
            assertThat(body).contains("\"AdmissionOutcomes\",\"Reason\",\"" + r.metricValue() + "\"");
        }
    }

    @Test
    void alarms_andOutputs_exist() {
        Set<String> alarms = new HashSet<>();
        synth.ofType("AWS::CloudWatch::Alarm").forEach(a -> alarms.add(a.getKey().replaceAll("[0-9A-F]{8}$", "")));
        assertThat(alarms).contains("Api5xxRate", "AssumeRoleThrottles", "AssumeRoleP99Latency", "StsRefusals",
                "AdmissionFailures", "AdmissionRefusedKeys", "AdmissionConflicts", "AdmitPodErrors", "AdmitPodRoute5xx",
                "AdmitPodRoute4xx");
        Map<String, Object> admission = props(synth.ofType("AWS::CloudWatch::Alarm").stream()
                .filter(a -> a.getKey().startsWith("AdmissionFailures")).findFirst().orElseThrow().getValue());
        assertThat(String.valueOf(admission.get("Metrics"))).contains("MetricName=AdmissionOutcomes")
                .contains("Namespace=PodIdentity").contains("Name=Reason, Value=StoreFailure")
                .contains("Name=Reason, Value=StoreTimeout").contains("Expression=storefailure + storetimeout");
        Map<String, Object> refusedKeys = props(synth.ofType("AWS::CloudWatch::Alarm").stream()
                .filter(a -> a.getKey().startsWith("AdmissionRefusedKeys")).findFirst().orElseThrow().getValue());
        assertThat(String.valueOf(refusedKeys.get("Metrics"))).contains("Value=RefusedKey").contains("Value=UnknownCluster");
        Map<String, Object> route5xx = props(synth.ofType("AWS::CloudWatch::Alarm").stream()
                .filter(a -> a.getKey().startsWith("AdmitPodRoute5xx")).findFirst().orElseThrow().getValue());
        assertThat(route5xx).containsEntry("MetricName", "5XXError").containsEntry("Namespace", "AWS/ApiGateway");
        assertThat(String.valueOf(route5xx.get("Dimensions"))).contains("/clusters/{name}/admission/{webhookKey}");
        assertThat(String.valueOf(props(synth.ofType("AWS::CloudWatch::Alarm").stream()
                .filter(a -> a.getKey().startsWith("AdmitPodErrors")).findFirst().orElseThrow().getValue())
                .get("AlarmDescription"))).contains("unhandled failures only");
        Map<String, Object> refusals = synth.ofType("AWS::CloudWatch::Alarm").stream()
                .filter(a -> a.getKey().startsWith("StsRefusals")).findFirst().orElseThrow().getValue();
        assertThat(props(refusals)).containsEntry("MetricName", "StsRefusals").containsEntry("Namespace", "PodIdentity");
        Map<String, Object> latency = synth.ofType("AWS::CloudWatch::Alarm").stream()
                .filter(a -> a.getKey().startsWith("AssumeRoleP99Latency")).findFirst().orElseThrow().getValue();
        assertThat(props(latency)).containsEntry("ExtendedStatistic", "p99").containsEntry("Threshold", 500);
        Map<String, Object> outputs = map(synth.json.get("Outputs"));
        assertThat(outputs).containsKeys("ApiUrl", "CredentialBrokerRoleArn", "TableName", "TrustPolicy");
    }

    @Test
    void cliOutputs_installTheModelInTheRepository_andCallTheDeployedApi() {
        Map<String, Object> outputs = map(synth.json.get("Outputs"));
        String setup = (String) map(outputs.get("CliSetup")).get("Value");
        assertThat(setup).isEqualTo("model/install-cli");
        assertThat(Path.of("..").resolve(setup)).as("the command CliSetup names").isExecutable();
        Map<String, Object> example = map(map(outputs.get("CliExample")).get("Value"));
        List<Object> parts = list(list(example.get("Fn::Join")).get(1));
        List<Object> apiUrl = list(list(map(map(outputs.get("ApiUrl")).get("Value")).get("Fn::Join")).get(1));
        // the example is the command followed by exactly the ApiUrl output (CloudFormation joins the literals)
        assertThat(parts.get(0)).isEqualTo("aws pod-identity list-clusters --endpoint-url " + apiUrl.get(0));
        assertThat(parts.subList(1, parts.size())).isEqualTo(apiUrl.subList(1, apiUrl.size()));
    }
}
