package dev.podidentity.api;

import static dev.podidentity.api.Authorization.AWS_IAM;
import static dev.podidentity.api.Authorization.NONE;
import static dev.podidentity.api.Capability.ASSUMES_ROLES;
import static dev.podidentity.api.Capability.CHECKS_ROLES;
import static dev.podidentity.api.Capability.PAGES;
import static dev.podidentity.api.FunctionPackage.ADMIN;
import static dev.podidentity.api.FunctionPackage.BROKER;
import static dev.podidentity.api.TableAction.BATCH_GET_ITEM;
import static dev.podidentity.api.TableAction.DELETE_ITEM;
import static dev.podidentity.api.TableAction.GET_ITEM;
import static dev.podidentity.api.TableAction.PUT_ITEM;
import static dev.podidentity.api.TableAction.QUERY;
import static dev.podidentity.api.TableAction.UPDATE_ITEM;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The route table: every fact that differs per API operation, in one record each. The CDK stack builds API Gateway,
 * one function, one role and its permissions per route from it; the local gateway routes with it; {@code Invoke}
 * and the benchmark pick deployment packages with it; template tests hold the synthesized stack to it.
 *
 * <p>This type and the enums it uses depend on nothing but the JDK, so the CDK app reads the table without the
 * handlers' runtime classes on its classpath. The handler of each route is built by
 * {@code dev.podidentity.handlers.Routes#handler}, an exhaustive switch: adding a constant here does not compile
 * until its handler exists.
 */
public enum Route {
    CREATE_POD_IDENTITY_ASSOCIATION("CreatePodIdentityAssociation", "POST", "/clusters/{name}/pod-identity-associations",
            AWS_IAM, ADMIN, Set.of(GET_ITEM, PUT_ITEM, UPDATE_ITEM), Set.of(CHECKS_ROLES)),
    LIST_POD_IDENTITY_ASSOCIATIONS("ListPodIdentityAssociations", "GET", "/clusters/{name}/pod-identity-associations",
            AWS_IAM, ADMIN, Set.of(GET_ITEM, QUERY), Set.of(PAGES)),
    DESCRIBE_POD_IDENTITY_ASSOCIATION("DescribePodIdentityAssociation", "GET",
            "/clusters/{name}/pod-identity-associations/{associationId}", AWS_IAM, ADMIN, Set.of(GET_ITEM), Set.of()),
    UPDATE_POD_IDENTITY_ASSOCIATION("UpdatePodIdentityAssociation", "POST",
            "/clusters/{name}/pod-identity-associations/{associationId}", AWS_IAM, ADMIN, Set.of(GET_ITEM, PUT_ITEM),
            Set.of(CHECKS_ROLES)),
    DELETE_POD_IDENTITY_ASSOCIATION("DeletePodIdentityAssociation", "DELETE",
            "/clusters/{name}/pod-identity-associations/{associationId}", AWS_IAM, ADMIN,
            Set.of(GET_ITEM, DELETE_ITEM, UPDATE_ITEM), Set.of()),
    TAG_RESOURCE("TagResource", "POST", "/tags/{resourceArn+}",
            AWS_IAM, ADMIN, Set.of(GET_ITEM, PUT_ITEM, UPDATE_ITEM), Set.of()),
    UNTAG_RESOURCE("UntagResource", "DELETE", "/tags/{resourceArn+}",
            AWS_IAM, ADMIN, Set.of(GET_ITEM, PUT_ITEM, UPDATE_ITEM), Set.of()),
    LIST_TAGS_FOR_RESOURCE("ListTagsForResource", "GET", "/tags/{resourceArn+}",
            AWS_IAM, ADMIN, Set.of(GET_ITEM), Set.of()),
    REGISTER_CLUSTER("RegisterCluster", "PUT", "/clusters/{name}",
            AWS_IAM, ADMIN, Set.of(GET_ITEM, PUT_ITEM, UPDATE_ITEM), Set.of()),
    DESCRIBE_CLUSTER("DescribeCluster", "GET", "/clusters/{name}",
            AWS_IAM, ADMIN, Set.of(GET_ITEM), Set.of()),
    LIST_CLUSTERS("ListClusters", "GET", "/clusters",
            AWS_IAM, ADMIN, Set.of(QUERY), Set.of(PAGES)),
    DELETE_CLUSTER("DeleteCluster", "DELETE", "/clusters/{name}",
            AWS_IAM, ADMIN, Set.of(GET_ITEM, DELETE_ITEM), Set.of()),
    /** Why a pod gets no credentials: every check of the credential path, read-only (never mints credentials). */
    DIAGNOSE_POD_IDENTITY("DiagnosePodIdentity", "POST", "/clusters/{name}/diagnose",
            AWS_IAM, ADMIN, Set.of(GET_ITEM), Set.of(CHECKS_ROLES)),
    /**
     * EKS Auth. The wire path is {@code /clusters/{clusterName}/...}; API Gateway allows one variable name per path
     * level and {@code /clusters/{name}} already exists, so the label is {@code {name}} here too.
     */
    ASSUME_ROLE_FOR_POD_IDENTITY("AssumeRoleForPodIdentity", "POST", "/clusters/{name}/assume-role-for-pod-identity",
            NONE, BROKER, Set.of(GET_ITEM, BATCH_GET_ITEM), Set.of(ASSUMES_ROLES)),
    /**
     * The pod-mutating admission webhook the cluster's API server calls for each new pod, and the validating one it
     * calls for each pod deletion (PutItem: the deleted pod's tombstone). The cluster's webhook key
     * in the path is the credential (Kubernetes allows no credentials or query in a webhook URL). On the pod's path:
     * the lean package, with AWS calls bounded far inside the API server's webhook timeout.
     */
    ADMIT_POD("AdmitPod", "POST", "/clusters/{name}/admission/{webhookKey}",
            NONE, BROKER, Set.of(GET_ITEM, PUT_ITEM), Set.of()),
    /** The stock amazon-eks-pod-identity-webhook's container-credentials file for a cluster. */
    GET_WEBHOOK_IDENTITIES("GetWebhookIdentities", "GET", "/clusters/{name}/webhook-identities",
            AWS_IAM, ADMIN, Set.of(GET_ITEM, QUERY), Set.of()),
    /**
     * The same list for the cluster itself (the stock webhook's sync container), authorized by a projected token of
     * the cluster's sync service account in the body, as AssumeRoleForPodIdentity is by a pod's token: no gateway
     * authorization, so no AWS secret in the cluster. The broker's package: token-authorized like the broker, and
     * no IAM or STS call.
     */
    SYNC_WEBHOOK_IDENTITIES("SyncWebhookIdentities", "POST", "/clusters/{name}/webhook-identities",
            NONE, BROKER, Set.of(GET_ITEM, QUERY), Set.of());

    private final String operation;
    private final String method;
    private final String pathTemplate;
    private final Authorization authorization;
    private final FunctionPackage functionPackage;
    private final Set<TableAction> tableActions;
    private final Set<Capability> capabilities;

    Route(String operation, String method, String pathTemplate, Authorization authorization,
          FunctionPackage functionPackage, Set<TableAction> tableActions, Set<Capability> capabilities) {
        this.operation = operation;
        this.method = method;
        this.pathTemplate = pathTemplate;
        this.authorization = authorization;
        this.functionPackage = functionPackage;
        this.tableActions = Set.copyOf(tableActions);
        this.capabilities = Set.copyOf(capabilities);
    }

    /** Every route, in table order. */
    public static List<Route> all() {
        return List.of(values());
    }

    /** The route of an operation name as in the service model (e.g. {@code CreatePodIdentityAssociation}). */
    public static Route byOperation(String operation) {
        return Arrays.stream(values()).filter(r -> r.operation.equals(operation)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no route for operation " + operation));
    }

    /** The operation name, as in the service model; also the prefix of the function's logical ids. */
    public String operation() {
        return operation;
    }

    public String method() {
        return method;
    }

    /** The path with {@code {label}}s, as API Gateway resources spell it. */
    public String pathTemplate() {
        return pathTemplate;
    }

    public Authorization authorization() {
        return authorization;
    }

    /** Which deployment package the route's function runs from. */
    public FunctionPackage functionPackage() {
        return functionPackage;
    }

    /** The DynamoDB actions the route's function may call on the table, and nothing more. */
    public Set<TableAction> tableActions() {
        return tableActions;
    }

    public boolean has(Capability capability) {
        return capabilities.contains(capability);
    }

    public Set<Capability> capabilities() {
        return capabilities;
    }

    /** The handler class's name: {@code dev.podidentity.handlers.<Operation>Handler}. */
    public String handlerClassName() {
        return "dev.podidentity.handlers." + operation + "Handler";
    }

    /** The Lambda handler string, as CloudFormation and {@code sam local invoke} want it. */
    public String lambdaHandler() {
        return handlerClassName() + "::handleRequest";
    }

    public List<String> segments() {
        return List.of(pathTemplate.substring(1).split("/"));
    }
}
