package dev.podidentity.constructs.example;

import dev.podidentity.constructs.BrokerTrustedRole;
import dev.podidentity.constructs.PodIdentityAssociation;
import dev.podidentity.constructs.PodIdentityAssociationProps;
import dev.podidentity.constructs.PodIdentityCluster;
import dev.podidentity.constructs.PodIdentityService;
import dev.podidentity.constructs.SessionNamePolicy;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.constructs.Construct;

/**
 * The example app of the README: a platform team's stack that registers a cluster, makes a role for the payments
 * service and associates it, with a team session tag (ABAC) and a stable session name (MSK), next to the pod identity
 * stack {@code PodIdentity} it imports the service token from.
 */
public final class PaymentsApp {
    private PaymentsApp() {
    }

    public static Stack stack(App app, String id, String jwks) {
        return new PaymentsStack(app, id, jwks);
    }

    public static void main(String[] args) {
        App app = new App();
        stack(app, "Payments", "{\"keys\":[]}");
        app.synth();
    }

    static final class PaymentsStack extends Stack {
        PaymentsStack(Construct scope, String id, String jwks) {
            super(scope, id, StackProps.builder().build());
            PodIdentityService podIdentity = PodIdentityService.imported("PodIdentity");
            PodIdentityCluster cluster = new PodIdentityCluster(this, "Cluster", podIdentity, "prod-eu",
                    "https://oidc.prod-eu.example.com", jwks, 3600, Map.of("env", "prod"));

            Role role = BrokerTrustedRole.builder(this, "PaymentsRole", podIdentity, cluster.getClusterName(),
                    "payments", "api").build();
            role.addToPolicy(PolicyStatement.Builder.create()
                    .actions(List.of("kafka-cluster:Connect", "kafka-cluster:ReadData"))
                    .resources(List.of("*"))
                    .build());

            new PodIdentityAssociation(this, "PaymentsApi", PodIdentityAssociationProps.builder()
                    .service(podIdentity)
                    .clusterName(cluster.getClusterName())
                    .namespace("payments")
                    .serviceAccount("api")
                    .role(role)
                    .sessionTags(Map.of("team", "payments", "cost-center", "cc-42"))
                    .sessionNamePolicy(SessionNamePolicy.POD)
                    .tags(Map.of("owner", "platform"))
                    .build());
        }
    }
}
