package dev.podidentity.cdk;

import dev.podidentity.adapter.dynamodb.TableSchema;
import dev.podidentity.api.Authorization;
import dev.podidentity.api.Capability;
import dev.podidentity.api.FunctionPackage;
import dev.podidentity.api.Route;
import dev.podidentity.api.TableAction;
import dev.podidentity.config.Settings;
import dev.podidentity.handlers.AdmitPodHandler;
import dev.podidentity.handlers.AssumeRoleForPodIdentityHandler;
import dev.podidentity.service.admission.AdmissionReason;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigateway.AuthorizationType;
import software.amazon.awscdk.services.apigateway.EndpointType;
import software.amazon.awscdk.services.apigateway.IResource;
import software.amazon.awscdk.services.apigateway.LambdaIntegration;
import software.amazon.awscdk.services.apigateway.LogGroupLogDestination;
import software.amazon.awscdk.services.apigateway.MethodDeploymentOptions;
import software.amazon.awscdk.services.apigateway.MethodLoggingLevel;
import software.amazon.awscdk.services.apigateway.MethodOptions;
import software.amazon.awscdk.services.apigateway.RestApi;
import software.amazon.awscdk.services.apigateway.StageOptions;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.iam.AnyPrincipal;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.CfnFunction;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;

/**
 * The whole service in one stack: the table, one function per route of the route table (each with its own
 * least-privilege role and log group), the REST API built from the same route table, alarms and outputs.
 */
public final class PodIdentityStack extends Stack {
    public static final String ALIAS = "live";
    public static final String METRICS_NAMESPACE = "PodIdentity";
    public static final String SERVICE_NAME = "pod-identity";
    /**
     * Installs the AWS CLI / boto3 model of the API (model, paginators, cli_follow_urlparam), from the top of a checkout
     * or of an unpacked release archive; the script reads the API version from the model.
     */
    public static final String CLI_SETUP = "model/install-cli";

    private final Table table;
    private final Role broker;
    private final RestApi api;
    /** The nextToken HMAC key, generated at deploy time; readable only by the roles of routes that page. */
    private final Secret pageTokenKey;
    private final Map<String, Function> functions = new LinkedHashMap<>();
    /** The CloudFormation custom resource provider; its service token is exported. */
    private final CustomResourceProvider customResources;

    public PodIdentityStack(Construct scope, String id, StackProps stackProps, PodIdentityStackProps props) {
        super(scope, id, stackProps);

        table = Table.Builder.create(this, "Table")
                .partitionKey(Attribute.builder().name(TableSchema.PK).type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name(TableSchema.SK).type(AttributeType.STRING).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true).build())
                .deletionProtection(true)
                .encryption(TableEncryption.AWS_MANAGED)
                .timeToLiveAttribute(TableSchema.TTL_ATTRIBUTE)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        table.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(TableSchema.CLUSTERS_INDEX)
                .partitionKey(Attribute.builder().name(TableSchema.CLUSTERS_INDEX_PK).type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name(TableSchema.CLUSTERS_INDEX_SK).type(AttributeType.STRING).build())
                .projectionType(ProjectionType.ALL)
                .build());

        LogGroup accessLogs = LogGroup.Builder.create(this, "ApiAccessLogs")
                .retention(props.logRetention()).removalPolicy(RemovalPolicy.RETAIN).build();
        api = RestApi.Builder.create(this, "Api")
                .restApiName(getStackName())
                .description("EKS Pod Identity compatible control plane (association API and EKS Auth)")
                .endpointTypes(List.of(EndpointType.REGIONAL))
                .cloudWatchRole(true)
                .cloudWatchRoleRemovalPolicy(RemovalPolicy.DESTROY)
                .policy(resourcePolicy(props))
                .deployOptions(StageOptions.builder()
                        .stageName("prod")
                        .throttlingRateLimit(props.throttleRate())
                        .throttlingBurstLimit(props.throttleBurst())
                        .methodOptions(clusterMethodOptions(props))
                        // off: a stage trace records the full URL, and AdmitPod's URL holds the cluster's webhook key
                        // (the functions still trace; their segments do not carry the URL)
                        .tracingEnabled(false)
                        .loggingLevel(MethodLoggingLevel.ERROR)
                        .dataTraceEnabled(false)
                        .accessLogDestination(new LogGroupLogDestination(accessLogs))
                        .accessLogFormat(AccessLogFormat.jsonWithStandardFields())
                        .build())
                .build();

        String assumableRoles = props.assumableRoleArns().isEmpty()
                ? "arn:" + Aws.PARTITION + ":iam::" + Aws.ACCOUNT_ID + ":role/*" : null;
        Route brokerRoute = Route.all().stream().filter(r -> r.has(Capability.ASSUMES_ROLES)).findFirst().orElseThrow();
        broker = role(brokerRoute.operation(), "Credential broker: reads associations and assumes associated roles");
        broker.addToPolicy(PolicyStatement.Builder.create()
                .sid("AssumeAssociatedRoles")
                .actions(List.of("sts:AssumeRole", "sts:TagSession"))
                .resources(assumableRoles != null ? List.of(assumableRoles) : props.assumableRoleArns())
                .build());

        pageTokenKey = Secret.Builder.create(this, "PageTokenKey")
                .description("HMAC key that seals nextToken of the list operations (read by the functions that page)")
                .generateSecretString(SecretStringGenerator.builder().passwordLength(64).excludePunctuation(true).build())
                // a new key only invalidates outstanding nextTokens (callers list again from the start)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        NagSuppressions.addResourceSuppressions(pageTokenKey, List.of(NagPackSuppression.builder().id("AwsSolutions-SMG4")
                .reason("The paging key is not rotated automatically: it protects only nextToken integrity (a token"
                        + " opens nothing the caller could not list), and a rotation would invalidate every outstanding"
                        + " nextToken. Rotate by hand with put-secret-value when needed (see README, Deploy).").build()));

        for (Route route : Route.all()) {
            Role role = route.has(Capability.ASSUMES_ROLES) ? broker : role(route.operation(), "Runs " + route.operation());
            List<String> actions = route.tableActions().stream().sorted().map(TableAction::iamAction).toList();
            role.addToPolicy(PolicyStatement.Builder.create()
                    .sid("Table")
                    .actions(actions)
                    .resources(route.tableActions().contains(TableAction.QUERY)
                            ? List.of(table.getTableArn(), table.getTableArn() + "/index/" + TableSchema.CLUSTERS_INDEX)
                            : List.of(table.getTableArn()))
                    .build());
            if (route.has(Capability.CHECKS_ROLES)) {
                role.addToPolicy(PolicyStatement.Builder.create()
                        .sid("RoleChecks")
                        .actions(List.of("iam:GetRole", "iam:SimulatePrincipalPolicy"))
                        .resources(List.of("arn:" + Aws.PARTITION + ":iam::" + Aws.ACCOUNT_ID + ":role/*",
                                "arn:" + Aws.PARTITION + ":iam::" + Aws.ACCOUNT_ID + ":user/*"))
                        .build());
            }
            if (route.has(Capability.PAGES)) {
                // not secret.grantRead: that adds secretsmanager:DescribeSecret, which no function calls
                role.addToPolicy(PolicyStatement.Builder.create()
                        .sid("PagingKey")
                        .actions(List.of("secretsmanager:GetSecretValue"))
                        .resources(List.of(pageTokenKey.getSecretArn()))
                        .build());
            }
            functions.put(route.operation(), function(route, role, props));
        }
        routes(props);
        alarms(props);
        customResources = new CustomResourceProvider(this, "CustomResources", table, broker,
                functionName("CustomResourceProvider"), props);

        new CfnOutput(this, "ApiUrl", software.amazon.awscdk.CfnOutputProps.builder()
                .description("Endpoint of the association API and of EKS Auth (eks-pod-identity-agent --endpoint)")
                .value(api.getUrl()).build());
        new CfnOutput(this, "CliSetup", software.amazon.awscdk.CfnOutputProps.builder()
                .description("Run once at the top of a checkout or unpacked release of this repository: installs the AWS CLI / boto3 model of this API")
                .value(CLI_SETUP).build());
        new CfnOutput(this, "CliExample", software.amazon.awscdk.CfnOutputProps.builder()
                .description("The AWS CLI against this API (after CliSetup)")
                .value(Fn.join("", List.of("aws pod-identity list-clusters --endpoint-url ", api.getUrl()))).build());
        new CfnOutput(this, "CredentialBrokerRoleArn", software.amazon.awscdk.CfnOutputProps.builder()
                .description("Roles used by associations must trust this role (sts:AssumeRole, sts:TagSession)")
                // exported for CDK apps and templates that write the trust policy (BrokerTrustedRole)
                .exportName(getStackName() + "-CredentialBrokerRoleArn")
                .value(broker.getRoleArn()).build());
        new CfnOutput(this, "TableName", software.amazon.awscdk.CfnOutputProps.builder().value(table.getTableName()).build());
        new CfnOutput(this, "TrustPolicy", software.amazon.awscdk.CfnOutputProps.builder()
                .description("Paste as the trust policy of roles you associate")
                .value(Fn.join("", List.of(
                        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"",
                        broker.getRoleArn(),
                        "\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"],\"Condition\":{\"StringEquals\":{"
                                + "\"aws:RequestTag/eks-cluster-name\":\"CLUSTER\","
                                + "\"aws:RequestTag/kubernetes-namespace\":\"NAMESPACE\","
                                + "\"aws:RequestTag/kubernetes-service-account\":\"SERVICE_ACCOUNT\"}}}]}")))
                .build());
        suppressions();
    }

    public Table table() {
        return table;
    }

    public Role broker() {
        return broker;
    }

    public Secret pageTokenKey() {
        return pageTokenKey;
    }

    public RestApi api() {
        return api;
    }

    public Map<String, Function> functions() {
        return functions;
    }

    public CustomResourceProvider customResources() {
        return customResources;
    }

    private Role role(String operation, String description) {
        Role role = Role.Builder.create(this, operation + "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description(description)
                .build();
        return role;
    }

    /**
     * A function's physical name, derived from the stack name so that a second stack in the same account and region
     * ({@code -c stackName=...}) never collides; its log group is named after it.
     */
    private String functionName(String operation) {
        String name = getStackName() + "-" + operation;
        if (name.length() > 64) {
            throw new IllegalArgumentException("stackName '" + getStackName() + "' is too long: function names are "
                    + "'<stackName>-<Operation>', at most 64 characters; use at most " + (63 - operation.length())
                    + " characters");
        }
        return name;
    }

    /** A function's log group, named after the function, with the stack's retention; its role may write to it. */
    LogGroup logGroup(String id, String functionName, Role role, PodIdentityStackProps props) {
        LogGroup logs = LogGroup.Builder.create(this, id)
                .logGroupName("/aws/lambda/" + functionName)
                .retention(props.logRetention())
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        logs.grantWrite(role);
        return logs;
    }

    /** The settings every function of the stack gets. */
    Map<String, String> baseEnvironment(PodIdentityStackProps props) {
        Map<String, String> env = new HashMap<>();
        env.put(Settings.TABLE_NAME, table.getTableName());
        env.put(Settings.ACCOUNT_ID, Aws.ACCOUNT_ID);
        env.put("POWERTOOLS_SERVICE_NAME", SERVICE_NAME);
        env.put("POWERTOOLS_METRICS_NAMESPACE", METRICS_NAMESPACE);
        env.put("POWERTOOLS_LOG_LEVEL", props.logLevel());
        // C1 only: the fastest start for short-lived environments; SnapStart restores a warmed JVM anyway
        env.put("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
        return env;
    }

    private Function function(Route route, Role role, PodIdentityStackProps props) {
        LogGroup logs = logGroup(route.operation() + "Logs", functionName(route.operation()), role, props);
        Map<String, String> env = baseEnvironment(props);
        if (route.has(Capability.CHECKS_ROLES)) {
            env.put(Settings.BROKER_ROLE_ARN, broker.getRoleArn());
        }
        if (route.has(Capability.PAGES)) {
            env.put(Settings.PAGE_TOKEN_SECRET_ARN, pageTokenKey.getSecretArn());
        }
        // the agent gives AssumeRoleForPodIdentity 1 s: a hung dependency must become a retryable 503 before that
        env.put(Settings.SDK_CALL_TIMEOUT_MS, Long.toString(route.functionPackage().callTimeout().toMillis()));
        Function.Builder builder = Function.Builder.create(this, route.operation() + "Function")
                .functionName(functionName(route.operation()))
                .description(route.method() + " " + route.pathTemplate())
                .runtime(Runtime.JAVA_21)
                .architecture(Architecture.ARM_64)
                .handler(route.lambdaHandler())
                .code(Code.fromAsset((route.functionPackage() == FunctionPackage.BROKER
                        ? props.brokerPackage() : props.functionsPackage()).toString()))
                .memorySize(props.memoryMb())
                .timeout(props.timeout())
                .role(role)
                .logGroup(logs)
                .tracing(Tracing.ACTIVE)
                .environment(env);
        // Lambda does not combine SnapStart with provisioned concurrency on one version: the broker uses one or the other
        boolean provisioned = route.has(Capability.ASSUMES_ROLES) && props.provisionedConcurrency() > 0;
        if (props.snapStart() && !provisioned) {
            builder.snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS);
        }
        Function fn = builder.build();
        software.amazon.awscdk.Annotations.of(fn).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
                "The API invokes the 'live' alias of a published version (currentVersion), which SnapStart applies to");
        // stable logical ids, so `sam local invoke -t template.json CreatePodIdentityAssociationFunction` works
        ((CfnFunction) java.util.Objects.requireNonNull(fn.getNode().getDefaultChild())).overrideLogicalId(route.operation() + "Function");
        return fn;
    }

    private void routes(PodIdentityStackProps props) {
        for (Route route : Route.all()) {
            IResource resource = api.getRoot();
            for (String segment : route.segments()) {
                IResource child = resource.getResource(segment);
                resource = child != null ? child : resource.addResource(segment);
            }
            Alias.Builder aliasBuilder = Alias.Builder.create(this, route.operation() + "Alias")
                    .aliasName(ALIAS)
                    .version(functions.get(route.operation()).getCurrentVersion());
            if (route.has(Capability.ASSUMES_ROLES) && props.provisionedConcurrency() > 0) {
                aliasBuilder.provisionedConcurrentExecutions(props.provisionedConcurrency());
            }
            Alias alias = aliasBuilder.build();
            boolean iam = route.authorization() == Authorization.AWS_IAM
                    || (route.has(Capability.ASSUMES_ROLES) && props.assumeRoleIamAuth());
            resource.addMethod(route.method(), LambdaIntegration.Builder.create(alias).proxy(true).build(),
                    MethodOptions.builder()
                            .operationName(route.operation())
                            .authorizationType(iam ? AuthorizationType.IAM : AuthorizationType.NONE)
                            .build());
        }
    }

    /**
     * The routes clusters call, each with its own throttle, so a flood on one cannot starve the other:
     * AssumeRoleForPodIdentity gets the stage's rate and burst, AdmitPod a fifth of them (pod creations are far rarer
     * than credential fetches), SyncWebhookIdentities a fixed small rate. Both publish per-method metrics (4XXError, 5XXError, Latency) for the alarms and the
     * dashboard.
     */
    private static Map<String, MethodDeploymentOptions> clusterMethodOptions(PodIdentityStackProps props) {
        return Map.of(
                methodPath(Route.ASSUME_ROLE_FOR_POD_IDENTITY), MethodDeploymentOptions.builder()
                        .throttlingRateLimit(props.throttleRate()).throttlingBurstLimit(props.throttleBurst())
                        .metricsEnabled(true).build(),
                methodPath(Route.ADMIT_POD), MethodDeploymentOptions.builder()
                        .throttlingRateLimit(admissionThrottleRate(props))
                        .throttlingBurstLimit(Math.max(1, props.throttleBurst() / 5))
                        .metricsEnabled(true).build(),
                methodPath(Route.SYNC_WEBHOOK_IDENTITIES), MethodDeploymentOptions.builder()
                        .throttlingRateLimit(SYNC_THROTTLE_RATE).throttlingBurstLimit(2 * SYNC_THROTTLE_RATE)
                        .metricsEnabled(true).build());
    }

    /**
     * SyncWebhookIdentities: each stock-webhook replica polls once per period (30 s by default), so 10 requests a
     * second serve about 300 replicas; unauthenticated at the gateway (the token is checked in the function), it must
     * not take capacity from the two routes above.
     */
    static final int SYNC_THROTTLE_RATE = 10;

    static double admissionThrottleRate(PodIdentityStackProps props) {
        return Math.max(1, props.throttleRate() / 5);
    }

    /** A method as API Gateway's method settings name it: the resource path, then the HTTP method. */
    private static String methodPath(Route route) {
        return route.pathTemplate() + "/" + route.method();
    }

    private static PolicyDocument resourcePolicy(PodIdentityStackProps props) {
        List<PolicyStatement> statements = new ArrayList<>();
        statements.add(PolicyStatement.Builder.create()
                .effect(Effect.ALLOW)
                .principals(List.of(new AnyPrincipal()))
                .actions(List.of("execute-api:Invoke"))
                .resources(List.of("execute-api:/*"))
                .build());
        if (!props.allowedSourceCidrs().isEmpty()) {
            statements.add(PolicyStatement.Builder.create()
                    .sid("ClusterCallsOnlyFromAllowedNetworks")
                    .effect(Effect.DENY)
                    .principals(List.of(new AnyPrincipal()))
                    .actions(List.of("execute-api:Invoke"))
                    // the webhook-identities sync is called from the same nodes' egress, with a token as well
                    .resources(List.of(invokeResource(Route.ASSUME_ROLE_FOR_POD_IDENTITY), invokeResource(Route.ADMIT_POD),
                            invokeResource(Route.SYNC_WEBHOOK_IDENTITIES)))
                    .conditions(Map.of("NotIpAddress", Map.of("aws:SourceIp", props.allowedSourceCidrs())))
                    .build());
        }
        return PolicyDocument.Builder.create().statements(statements).build();
    }

    /** The route's resource in an API Gateway resource policy: any stage, its method, its path with each label a wildcard. */
    static String invokeResource(Route route) {
        return "execute-api:/*/" + route.method() + route.pathTemplate().replaceAll("\\{[^}]+}", "*");
    }

    private void alarms(PodIdentityStackProps props) {
        alarm("Api5xxRate", "More than 1% of API requests fail with 5xx", MathExpression.Builder.create()
                .expression("100 * errors / MAX([requests, 1])")
                .usingMetrics(Map.of(
                        "errors", api.metricServerError(sum(Duration.minutes(5))),
                        "requests", api.metricCount(sum(Duration.minutes(5)))))
                .period(Duration.minutes(5))
                .build(), 1, 2);
        Function assume = functions.get(Route.ASSUME_ROLE_FOR_POD_IDENTITY.operation());
        alarm("AssumeRoleThrottles", "AssumeRoleForPodIdentity invocations are throttled: raise concurrency",
                assume.metricThrottles(sum(Duration.minutes(1))), 0, 3);
        alarm("AssumeRoleP99Latency", "AssumeRoleForPodIdentity p99 duration is above budget (the agent gives it 1 s)",
                assume.metricDuration(software.amazon.awscdk.services.cloudwatch.MetricOptions.builder()
                        .statistic("p99").period(Duration.minutes(5)).build()), props.assumeRoleP99AlarmMs(), 3);
        alarm("StsRefusals", "STS refused to assume associated roles (trust policies do not allow the broker)",
                serviceCount("StsRefusals"), 0, 1);
        Function admit = functions.get(Route.ADMIT_POD.operation());
        alarm("AdmissionFailures", "AdmitPod could not read the data store (failures or timeouts, AdmissionOutcomes"
                        + " StoreFailure + StoreTimeout): pods of associated service accounts started without AWS"
                        + " credentials, or were refused where the webhook fails closed; recreate them",
                admissionSum("failures", AdmissionReason.STORE_FAILURE, AdmissionReason.STORE_TIMEOUT), 0, 1);
        alarm("AdmissionRefusedKeys", "AdmitPod refused calls for a wrong key or an unknown cluster (AdmissionOutcomes"
                        + " RefusedKey + UnknownCluster): a cluster's webhook URL is stale (key rotated or cluster deleted"
                        + " without updating its MutatingWebhookConfiguration) or someone is guessing; with failurePolicy"
                        + " Ignore its pods start without AWS credentials",
                admissionSum("refused", AdmissionReason.REFUSED_KEY, AdmissionReason.UNKNOWN_CLUSTER), 0, 1);
        alarm("AdmissionConflicts", "AdmitPod left associated pods unpatched because their own volume or mount is where"
                        + " the token goes (AdmissionOutcomes Conflict): those pods have no AWS credentials; kubectl shows"
                        + " the warning naming the conflict",
                admissionCount(AdmissionReason.CONFLICT), 0, 1);
        alarm("AdmitPodErrors", "The AdmitPod function crashed or timed out (Lambda Errors count unhandled failures"
                        + " only; handled ones are in AdmissionFailures and AdmitPodRoute5xx)",
                admit.metricErrors(sum(Duration.minutes(5))), 0, 1);
        alarm("AdmitPodRoute5xx", "The admission route answered 5xx at API Gateway (our failures, integration errors):"
                        + " the API server applied the webhook's failurePolicy",
                routeMetric(Route.ADMIT_POD, "5XXError", "Sum"), 0, 1);
        alarm("AdmitPodRoute4xx", "The admission route answered 4xx at API Gateway (403 wrong key or unknown cluster,"
                        + " 400 malformed review, 429 throttled): pods admitted meanwhile may lack AWS credentials",
                routeMetric(Route.ADMIT_POD, "4XXError", "Sum"), 0, 1);
        dashboard(assume, admit);
    }

    /** One reason of AdmissionOutcomes (EMF from AdmitPod, dimension Reason only), summed over five minutes. */
    static Metric admissionCount(AdmissionReason reason) {
        return Metric.Builder.create()
                .namespace(METRICS_NAMESPACE)
                .metricName(AdmissionReason.METRIC)
                .dimensionsMap(Map.of(AdmissionReason.DIMENSION, reason.metricValue()))
                .statistic("Sum")
                .period(Duration.minutes(5))
                .build();
    }

    private static MathExpression admissionSum(String label, AdmissionReason... reasons) {
        Map<String, software.amazon.awscdk.services.cloudwatch.IMetric> metrics = new LinkedHashMap<>();
        for (AdmissionReason r : reasons) {
            metrics.put(r.metricValue().toLowerCase(java.util.Locale.ROOT), admissionCount(r));
        }
        return MathExpression.Builder.create().expression(String.join(" + ", metrics.keySet())).usingMetrics(metrics)
                .label(label).period(Duration.minutes(5)).build();
    }

    /** API Gateway's per-method metric of a route on the prod stage (method metrics are enabled for cluster routes). */
    private Metric routeMetric(Route route, String name, String statistic) {
        return Metric.Builder.create()
                .namespace("AWS/ApiGateway")
                .metricName(name)
                .dimensionsMap(Map.of("ApiName", getStackName(), "Stage", "prod", "Method", route.method(),
                        "Resource", route.pathTemplate()))
                .statistic(statistic)
                .period(Duration.minutes(5))
                .build();
    }

    /**
     * What a platform team watches: credentials issued and refused (by status class, STS refusals, tokens of deleted
     * pods, beside the tombstones written), webhook
     * outcomes by reason, p99 latency at the gateway and in the functions, throttles.
     */
    private void dashboard(Function assume, Function admit) {
        Route ar = Route.ASSUME_ROLE_FOR_POD_IDENTITY;
        Metric count = routeMetric(ar, "Count", "Sum");
        Metric refused4xx = routeMetric(ar, "4XXError", "Sum");
        Metric failed5xx = routeMetric(ar, "5XXError", "Sum");
        List<software.amazon.awscdk.services.cloudwatch.IMetric> outcomes = new ArrayList<>();
        for (AdmissionReason r : AdmissionReason.values()) {
            outcomes.add(admissionCount(r).with(software.amazon.awscdk.services.cloudwatch.MetricOptions.builder()
                    .label(r.metricValue()).build()));
        }
        software.amazon.awscdk.services.cloudwatch.MetricOptions p99 = software.amazon.awscdk.services.cloudwatch.MetricOptions
                .builder().statistic("p99").period(Duration.minutes(5)).build();
        Dashboard.Builder.create(this, "Dashboard")
                .dashboardName(getStackName() + "-pod-identity")
                .widgets(List.of(
                        List.of(GraphWidget.Builder.create().title("Credentials issued and refused").width(12)
                                        .left(List.of(MathExpression.Builder.create().expression("count - refused - failed")
                                                        .usingMetrics(Map.of("count", count, "refused", refused4xx,
                                                                "failed", failed5xx))
                                                        .label("issued").period(Duration.minutes(5)).build(),
                                                refused4xx.with(software.amazon.awscdk.services.cloudwatch.MetricOptions
                                                        .builder().label("refused (4xx: token, association, throttled)").build()),
                                                failed5xx.with(software.amazon.awscdk.services.cloudwatch.MetricOptions
                                                        .builder().label("failed (5xx)").build()),
                                                serviceCount("StsRefusals"),
                                                serviceCount(AssumeRoleForPodIdentityHandler.DELETED_POD_METRIC),
                                                serviceCount(AdmitPodHandler.TOMBSTONE_METRIC))).build(),
                                GraphWidget.Builder.create().title("Webhook outcomes (AdmissionOutcomes by Reason)").width(12)
                                        .left(outcomes).stacked(true).build()),
                        List.of(GraphWidget.Builder.create().title("p99 latency (ms)").width(12)
                                        .left(List.of(routeMetric(ar, "Latency", "p99"),
                                                routeMetric(Route.ADMIT_POD, "Latency", "p99"),
                                                assume.metricDuration(p99), admit.metricDuration(p99))).build(),
                                GraphWidget.Builder.create().title("Throttles").width(12)
                                        .left(List.of(assume.metricThrottles(sum(Duration.minutes(5))),
                                                admit.metricThrottles(sum(Duration.minutes(5))),
                                                routeMetric(Route.ADMIT_POD, "4XXError", "Sum"))).build())))
                .build();
    }

    /** A count the functions publish (Powertools EMF, dimension Service), summed over five minutes. */
    private static Metric serviceCount(String name) {
        return Metric.Builder.create()
                .namespace(METRICS_NAMESPACE)
                .metricName(name)
                .dimensionsMap(Map.of("Service", SERVICE_NAME))
                .statistic("Sum")
                .period(Duration.minutes(5))
                .build();
    }

    private static software.amazon.awscdk.services.cloudwatch.MetricOptions sum(Duration period) {
        return software.amazon.awscdk.services.cloudwatch.MetricOptions.builder().statistic("Sum").period(period).build();
    }

    private void alarm(String id, String description, software.amazon.awscdk.services.cloudwatch.IMetric metric,
                       double threshold, int evaluationPeriods) {
        Alarm.Builder.create(this, id)
                .alarmDescription(description)
                .metric(metric)
                .threshold(threshold)
                .evaluationPeriods(evaluationPeriods)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
    }

    private void suppressions() {
        NagSuppressions.addStackSuppressions(this, List.of(
                NagPackSuppression.builder().id("AwsSolutions-APIG2")
                        .reason("Requests are validated by the functions, which must answer EKS's error shapes"
                                + " (X-Amzn-ErrorType + message); a gateway validator would answer its own shape.").build(),
                NagPackSuppression.builder().id("AwsSolutions-APIG3")
                        .reason("WAF is the deployer's choice: attach a web ACL to the 'prod' stage where one is used;"
                                + " stage throttling and IAM auth protect the API by default.").build(),
                NagPackSuppression.builder().id("AwsSolutions-COG4")
                        .reason("Admin routes use AWS_IAM (SigV4) like EKS; AssumeRoleForPodIdentity authenticates"
                                + " with the pod's service-account token. Cognito does not apply.").build(),
                NagPackSuppression.builder().id("AwsSolutions-APIG4")
                        .reason("AssumeRoleForPodIdentity has no gateway authorizer on purpose: the signed service-account"
                                + " token in the body is the credential (as with sts:AssumeRoleWithWebIdentity), and the"
                                + " stock agent signs for eks-auth, which IAM authorization would reject. Restrict it"
                                + " with allowedSourceCidrs or assumeRoleIamAuth. AdmitPod (the clusters' admission webhook)"
                                + " authenticates with the 256-bit key in its URL, as the API server cannot sign requests;"
                                + " SyncWebhookIdentities with a projected token of the cluster's sync service account"
                                + " (the cluster holds no AWS credentials).").build(),
                NagPackSuppression.builder().id("AwsSolutions-IAM4")
                        .reason("Only API Gateway's account-level CloudWatch role uses an AWS managed policy"
                                + " (AmazonAPIGatewayPushToCloudWatchLogs), as API Gateway requires.")
                        .appliesTo(List.of("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"))
                        .build(),
                NagPackSuppression.builder().id("AwsSolutions-IAM5")
                        .reason("Wildcards are resource scopes, never actions: the broker may assume the roles named by"
                                + " assumableRoleArns (default: roles of this account; every use is also gated by the"
                                + " role's own trust policy), role checks read any role or user of the account"
                                + " (associations may name any), X-Ray and log streams have no narrower ARNs.").build(),
                NagPackSuppression.builder().id("AwsSolutions-L1")
                        .reason("java21 is the newest Java runtime this project targets; the check flags any runtime that"
                                + " is not the newest of all languages' runtimes.").build()));
    }

}
