package dev.podidentity.constructs;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.services.iam.ArnPrincipal;
import software.amazon.awscdk.services.iam.Role;
import software.constructs.Construct;

/**
 * A role for one association, trusted by the credential broker as the service's README recommends: the broker may
 * {@code sts:AssumeRole} and {@code sts:TagSession}, and only with the session tags of that one cluster, namespace
 * and service account ({@code aws:RequestTag/...}), so the role cannot serve another association.
 */
public final class BrokerTrustedRole {
    private BrokerTrustedRole() {
    }

    /** The condition block of the trust statement (exposed for templates written by hand and for tests). */
    public static Map<String, Object> trustConditions(String clusterName, String namespace, String serviceAccount) {
        return Map.of("StringEquals", Map.of(
                "aws:RequestTag/eks-cluster-name", clusterName,
                "aws:RequestTag/kubernetes-namespace", namespace,
                "aws:RequestTag/kubernetes-service-account", serviceAccount));
    }

    /** A role builder whose trust policy is the broker's, pinned to the subject; add policies as to any role. */
    public static Role.Builder builder(Construct scope, String id, PodIdentityService service, String clusterName,
                                       String namespace, String serviceAccount) {
        return Role.Builder.create(scope, id)
                .assumedBy(new ArnPrincipal(service.brokerRoleArn())
                        .withConditions(trustConditions(clusterName, namespace, serviceAccount))
                        .withSessionTags())
                .description("Pod identity for " + namespace + "/" + serviceAccount + " of cluster " + clusterName);
    }

    /** The actions the trust statement allows (for checks and documentation). */
    public static List<String> trustActions() {
        return List.of("sts:AssumeRole", "sts:TagSession");
    }
}
