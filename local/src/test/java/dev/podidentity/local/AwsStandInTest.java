package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/** The IAM/STS stand-in itself, through the real SDK clients: what the rest of the suite relies on it for. */
class AwsStandInTest {
    private static final LocalStack STACK = TestStack.get();

    static StsClient sts(AwsCredentials credentials) {
        return StsClient.builder().endpointOverride(URI.create(STACK.awsEndpoint())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    @Test
    void deletedRole_cannotBeAssumed_andItsSessionsStopWorking() {
        String name = TestStack.unique("deleted");
        Credentials session;
        try (StsClient admin = sts(STACK.adminCredentials()); IamClient iam = TestStack.iam()) {
            String adminArn = admin.getCallerIdentity().arn();
            String roleArn = iam.createRole(r -> r.roleName(name).assumeRolePolicyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\""
                            + adminArn + "\"},\"Action\":\"sts:AssumeRole\"}]}")).role().arn();
            session = admin.assumeRole(r -> r.roleArn(roleArn).roleSessionName("before-delete")).credentials();
            try (StsClient asRole = sts(AwsSessionCredentials.create(session.accessKeyId(),
                    session.secretAccessKey(), session.sessionToken()))) {
                assertThat(asRole.getCallerIdentity().arn()).endsWith(":assumed-role/" + name + "/before-delete");

                iam.deleteRole(r -> r.roleName(name));

                assertThatThrownBy(asRole::getCallerIdentity).isInstanceOfSatisfying(AwsServiceException.class,
                        e -> assertThat(e.statusCode()).as("a deleted role's session").isEqualTo(403));
            }
            assertThatThrownBy(() -> admin.assumeRole(r -> r.roleArn(roleArn).roleSessionName("after-delete")))
                    .isInstanceOfSatisfying(AwsServiceException.class,
                            e -> assertThat(e.statusCode()).as("assuming a deleted role").isEqualTo(403));
        }
    }

    @Test
    void userValues_areEscapedInXmlAnswers() {
        String name = TestStack.unique("escaped");
        String path = "/a&b<c>\"d'/";
        String trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\""
                + STACK.brokerRoleArn() + "\"},\"Action\":\"sts:AssumeRole\",\"Sid\":\"<&>\"}]}";
        try (IamClient iam = TestStack.iam()) {
            Role created = iam.createRole(r -> r.roleName(name).path(path).assumeRolePolicyDocument(trust)).role();
            Role read = iam.getRole(r -> r.roleName(name)).role();
            assertThat(created.path()).isEqualTo(path);
            assertThat(read.path()).isEqualTo(path);
            assertThat(read.arn()).endsWith(":role" + path + name);
            assertThat(java.net.URLDecoder.decode(read.assumeRolePolicyDocument(), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo(trust);
        }
    }
}
