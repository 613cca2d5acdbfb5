package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.iam.IamClient;

/** With --data-dir, associations, IAM roles and the local cluster's key survive a restart of the local stack. */
class DataDirRestartTest {

    @Test
    void aRestartedStack_keepsItsData_andStillMintsCredentials(@TempDir Path dir) throws Exception {
        LocalStack.Options options = LocalStack.Options.defaults().withDataDir(dir);
        String associationId;
        try (LocalStack first = LocalStack.start(options)) {
            String trust = "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + first.brokerRoleArn()
                    + "\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"]}]}";
            String role;
            try (IamClient iam = first.iamClient()) {
                role = iam.createRole(r -> r.roleName("kept").assumeRolePolicyDocument(trust)).role().arn();
            }
            try (EksClient eks = first.eksClient(first.adminCredentials())) {
                associationId = eks.createPodIdentityAssociation(r -> r.clusterName("local").namespace("kept")
                        .serviceAccount("sa").roleArn(role)).association().associationId();
            }
        }
        try (LocalStack second = LocalStack.start(options)) {
            try (EksClient eks = second.eksClient(second.adminCredentials())) {
                assertThat(eks.describePodIdentityAssociation(r -> r.clusterName("local").associationId(associationId))
                        .association().roleArn()).endsWith(":role/kept");
            }
            String token = second.localCluster().mint("kept", "sa", "pod", "uid", Duration.ofHours(1));
            HttpURLConnection c = (HttpURLConnection) URI.create(second.apiUrl()
                    + "/clusters/local/assume-role-for-pod-identity").toURL().openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (var out = c.getOutputStream()) {
                out.write(("{\"token\":\"" + token + "\"}").getBytes(StandardCharsets.UTF_8));
            }
            assertThat(c.getResponseCode()).isEqualTo(200);
            try (var in = c.getInputStream()) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("\"accessKeyId\":\"ASIA")
                        .contains(":assumed-role/kept/eks-local-pod-");
            }
        }
    }
}
