package dev.podidentity.cdk;

import dev.podidentity.api.Route;
import dev.podidentity.api.TableAction;
import dev.podidentity.config.Settings;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnOutputProps;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.CfnFunction;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.logs.LogGroup;
import software.constructs.Construct;

/**
 * The CloudFormation custom resource provider ({@code Custom::PodIdentityCluster}, {@code Custom::PodIdentityAssociation}):
 * one function that CloudFormation invokes directly (it is not an API route), in the admin package, with its own role
 * allowed exactly the table actions of the operations it performs and iam:GetRole for the role checks. Its ARN is the
 * service token, exported as {@code STACK-ServiceToken} for templates and CDK apps of any language.
 */
public final class CustomResourceProvider extends Construct {
    public static final String HANDLER = "dev.podidentity.cfn.CustomResourceHandler::handleRequest";
    public static final String FUNCTION_ID = "CustomResourceProviderFunction";
    public static final String ROLE_ID = "CustomResourceProviderRole";
    public static final String OUTPUT_ID = "CustomResourceServiceToken";
    /** The routes whose operations the provider performs: its table actions are theirs, no more. */
    static final List<Route> OPERATIONS = List.of(Route.CREATE_POD_IDENTITY_ASSOCIATION,
            Route.DESCRIBE_POD_IDENTITY_ASSOCIATION, Route.UPDATE_POD_IDENTITY_ASSOCIATION,
            Route.DELETE_POD_IDENTITY_ASSOCIATION, Route.TAG_RESOURCE, Route.UNTAG_RESOURCE, Route.REGISTER_CLUSTER,
            Route.DESCRIBE_CLUSTER, Route.DELETE_CLUSTER);

    private final Function function;

    public CustomResourceProvider(PodIdentityStack stack, String id, Table table, Role broker, String functionName,
                                  PodIdentityStackProps props) {
        super(stack, id);
        Role role = Role.Builder.create(stack, ROLE_ID)
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("CloudFormation custom resources: clusters and associations declared in templates")
                .build();
        role.addToPolicy(PolicyStatement.Builder.create()
                .sid("Table")
                .actions(tableActions())
                .resources(List.of(table.getTableArn()))
                .build());
        // the trust check of associated roles; no SimulatePrincipalPolicy (see CustomResourceProvider in functions)
        role.addToPolicy(PolicyStatement.Builder.create()
                .sid("RoleChecks")
                .actions(List.of("iam:GetRole"))
                .resources(List.of("arn:" + Aws.PARTITION + ":iam::" + Aws.ACCOUNT_ID + ":role/*"))
                .build());
        LogGroup logs = stack.logGroup("CustomResourceProviderLogs", functionName, role, props);
        Map<String, String> env = stack.baseEnvironment(props);
        env.put(Settings.BROKER_ROLE_ARN, broker.getRoleArn());
        function = Function.Builder.create(stack, FUNCTION_ID)
                .functionName(functionName)
                .description("CloudFormation custom resource provider (Custom::PodIdentityCluster, Custom::PodIdentityAssociation)")
                .runtime(Runtime.JAVA_21)
                .architecture(Architecture.ARM_64)
                .handler(HANDLER)
                .code(Code.fromAsset(props.functionsPackage().toString()))
                .memorySize(props.memoryMb())
                // CloudFormation waits for the PUT, not for the invocation: room for IAM and DynamoDB retries
                .timeout(software.amazon.awscdk.Duration.seconds(60))
                .role(role)
                .logGroup(logs)
                .tracing(Tracing.ACTIVE)
                .environment(env)
                .build();
        ((CfnFunction) java.util.Objects.requireNonNull(function.getNode().getDefaultChild())).overrideLogicalId(FUNCTION_ID);
        new CfnOutput(stack, OUTPUT_ID, CfnOutputProps.builder()
                .description("ServiceToken of Custom::PodIdentityCluster and Custom::PodIdentityAssociation")
                .value(function.getFunctionArn())
                .exportName(stack.getStackName() + "-ServiceToken")
                .build());
    }

    public Function function() {
        return function;
    }

    static List<String> tableActions() {
        return List.copyOf(OPERATIONS.stream().flatMap(r -> r.tableActions().stream()).map(TableAction::iamAction)
                .collect(java.util.stream.Collectors.toCollection(TreeSet::new)));
    }
}
