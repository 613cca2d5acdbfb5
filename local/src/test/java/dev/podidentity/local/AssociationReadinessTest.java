package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eksauth.EksAuthClient;
import software.amazon.awssdk.services.eksauth.model.AssumeRoleForPodIdentityResponse;
import software.amazon.awssdk.services.eksauth.model.ResourceNotFoundException;

/**
 * Readiness: an association serves the very next AssumeRoleForPodIdentity once Create has returned (the create is
 * one transaction; the broker reads the binding with a strongly consistent GetItem and caches no bindings).
 */
class AssociationReadinessTest {
    static final int ROUNDS = 50;

    @Test
    void createThenAssumeAtOnce_neverAnswersNotFound_fiftyFreshServiceAccounts() {
        LocalStack stack = TestStack.get();
        String cluster = stack.localCluster().name();
        String role = TestStack.brokerTrustedRole(TestStack.unique("ready-role"));
        String ns = "ready" + ProcessHandle.current().pid();
        List<String> notFound = new ArrayList<>();
        try (EksClient eks = TestStack.eks();
             EksAuthClient auth = EksAuthClient.builder().endpointOverride(URI.create(stack.apiUrl()))
                     .region(Region.of(stack.region())).httpClient(UrlConnectionHttpClient.create())
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIANODE", "node")))
                     .build()) {
            for (int i = 0; i < ROUNDS; i++) {
                String sa = "fresh-" + i;
                String token = stack.localCluster().mint(ns, sa, sa + "-pod", "uid-" + i, Duration.ofHours(1));
                String associationId = eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace(ns)
                        .serviceAccount(sa).roleArn(role)).association().associationId();
                try {
                    AssumeRoleForPodIdentityResponse r = auth.assumeRoleForPodIdentity(x -> x.clusterName(cluster).token(token));
                    assertThat(r.podIdentityAssociation().associationId()).isEqualTo(associationId);
                    assertThat(r.credentials().accessKeyId()).startsWith("ASIA");
                } catch (ResourceNotFoundException e) {
                    notFound.add(sa);
                }
            }
        }
        assertThat(notFound).as("service accounts whose first AssumeRole after Create answered 404").isEmpty();
    }
}
