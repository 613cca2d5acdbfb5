package dev.podidentity.handlers;

import static dev.podidentity.api.Authorization.AWS_IAM;
import static dev.podidentity.api.Authorization.NONE;

import dev.podidentity.api.Route;
import java.util.List;

/**
 * The route table: the single source of truth for the API. The CDK stack builds API Gateway and one function per
 * route from it; the local gateway routes with it; template tests check the two agree.
 */
public final class Routes {
    public static final List<Route> ALL = List.of(
            new Route("CreatePodIdentityAssociation", "POST", "/clusters/{name}/pod-identity-associations",
                    CreatePodIdentityAssociationHandler.class, AWS_IAM,
                    c -> new CreatePodIdentityAssociationHandler(c.associations())),
            new Route("ListPodIdentityAssociations", "GET", "/clusters/{name}/pod-identity-associations",
                    ListPodIdentityAssociationsHandler.class, AWS_IAM,
                    c -> new ListPodIdentityAssociationsHandler(c.associations())),
            new Route("DescribePodIdentityAssociation", "GET", "/clusters/{name}/pod-identity-associations/{associationId}",
                    DescribePodIdentityAssociationHandler.class, AWS_IAM,
                    c -> new DescribePodIdentityAssociationHandler(c.associations())),
            new Route("UpdatePodIdentityAssociation", "POST", "/clusters/{name}/pod-identity-associations/{associationId}",
                    UpdatePodIdentityAssociationHandler.class, AWS_IAM,
                    c -> new UpdatePodIdentityAssociationHandler(c.associations())),
            new Route("DeletePodIdentityAssociation", "DELETE", "/clusters/{name}/pod-identity-associations/{associationId}",
                    DeletePodIdentityAssociationHandler.class, AWS_IAM,
                    c -> new DeletePodIdentityAssociationHandler(c.associations())),
            new Route("TagResource", "POST", "/tags/{resourceArn}",
                    TagResourceHandler.class, AWS_IAM, c -> new TagResourceHandler(c.tags())),
            new Route("UntagResource", "DELETE", "/tags/{resourceArn}",
                    UntagResourceHandler.class, AWS_IAM, c -> new UntagResourceHandler(c.tags())),
            new Route("ListTagsForResource", "GET", "/tags/{resourceArn}",
                    ListTagsForResourceHandler.class, AWS_IAM, c -> new ListTagsForResourceHandler(c.tags())),
            new Route("RegisterCluster", "PUT", "/clusters/{name}",
                    RegisterClusterHandler.class, AWS_IAM, RegisterClusterHandler::new),
            new Route("DescribeCluster", "GET", "/clusters/{name}",
                    DescribeClusterHandler.class, AWS_IAM, c -> new DescribeClusterHandler(c.clusters())),
            new Route("ListClusters", "GET", "/clusters",
                    ListClustersHandler.class, AWS_IAM, c -> new ListClustersHandler(c.clusters())),
            new Route("DeleteCluster", "DELETE", "/clusters/{name}",
                    DeleteClusterHandler.class, AWS_IAM, c -> new DeleteClusterHandler(c.clusters())),
            // EKS Auth. API Gateway allows one variable name per path level, so the label is {name} here too.
            new Route("AssumeRoleForPodIdentity", "POST", "/clusters/{name}/assume-role-for-pod-identity",
                    AssumeRoleForPodIdentityHandler.class, NONE, AssumeRoleForPodIdentityHandler::new),
            // The cluster's mutating admission webhook: the key in the URL is the credential (the API server cannot sign).
            new Route("AdmitPod", "POST", "/clusters/{name}/admission/{webhookKey}",
                    AdmitPodHandler.class, NONE, AdmitPodHandler::new),
            new Route("GetWebhookIdentities", "GET", "/clusters/{name}/webhook-identities",
                    GetWebhookIdentitiesHandler.class, AWS_IAM, c -> new GetWebhookIdentitiesHandler(c.clusters())));

    private Routes() {
    }

    public static Route byOperation(String operation) {
        return ALL.stream().filter(r -> r.operation().equals(operation)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no route for " + operation));
    }
}
