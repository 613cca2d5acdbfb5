package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podidentity.local.aws.AwsStandIn;
import dev.podidentity.local.aws.Principal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eks.model.PodIdentityAssociation;
import software.amazon.awssdk.services.eksauth.EksAuthClient;
import software.amazon.awssdk.services.eksauth.model.AssumeRoleForPodIdentityResponse;
import software.amazon.awssdk.services.eksauth.model.ExpiredTokenException;
import software.amazon.awssdk.services.eksauth.model.InvalidTokenException;
import software.amazon.awssdk.services.eksauth.model.ResourceNotFoundException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;

/** The data plane end to end: pod token → agent → our API → STS stand-in → credentials that work. */
class PodIdentityFlowTest {
    static LocalStack stack;
    static EksClient eks;
    static EksAuthClient eksAuth;
    static String cluster;

    @BeforeAll
    static void setUp() {
        stack = TestStack.get();
        eks = TestStack.eks();
        cluster = stack.localCluster().name();
        // the stock agent signs for eks-auth with its node credentials; the route ignores that signature
        eksAuth = TestStack.eksAuth();
    }

    @AfterAll
    static void tearDown() {
        eks.close();
        eksAuth.close();
    }

    static String token(String namespace, String serviceAccount) {
        return stack.localCluster().mint(namespace, serviceAccount, serviceAccount + "-pod-1", "uid-" + namespace,
                Duration.ofHours(1));
    }

    static PodIdentityAssociation associate(String namespace, String serviceAccount, String roleArn) {
        return eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace(namespace)
                .serviceAccount(serviceAccount).roleArn(roleArn)).association();
    }

    @Test
    void eksAuthClient_getsTheEksAuthResponseShape() {
        String role = TestStack.brokerTrustedRole(TestStack.unique("auth-role"));
        String ns = TestStack.unique("auth").replace("auth-", "auth");
        PodIdentityAssociation a = associate(ns, "web", role);
        Instant before = Instant.now();
        AssumeRoleForPodIdentityResponse r = eksAuth.assumeRoleForPodIdentity(x -> x.clusterName(cluster)
                .token(token(ns, "web")));
        assertThat(r.subject().namespace()).isEqualTo(ns);
        assertThat(r.subject().serviceAccount()).isEqualTo("web");
        assertThat(r.audience()).isEqualTo("pods.eks.amazonaws.com");
        assertThat(r.podIdentityAssociation().associationArn()).isEqualTo(a.associationArn());
        assertThat(r.podIdentityAssociation().associationId()).isEqualTo(a.associationId());
        String roleName = role.substring(role.lastIndexOf('/') + 1);
        assertThat(r.assumedRoleUser().arn()).startsWith("arn:aws:sts::000000000000:assumed-role/" + roleName + "/eks-"
                + cluster + "-web-pod-1-");
        assertThat(r.assumedRoleUser().assumeRoleId()).matches("AROA[A-Z0-9]+:eks-.+");
        assertThat(r.credentials().accessKeyId()).startsWith("ASIA");
        assertThat(r.credentials().sessionToken()).isNotBlank();
        assertThat(r.credentials().expiration()).isBetween(before.plus(Duration.ofMinutes(59)), before.plus(Duration.ofHours(7)));
    }

    @Test
    void eksAuthClient_getsTypedErrors_forNoAssociation_badAndExpiredTokens() {
        assertThatThrownBy(() -> eksAuth.assumeRoleForPodIdentity(x -> x.clusterName(cluster)
                .token(token("nobody-here", "sa"))))
                .isInstanceOf(ResourceNotFoundException.class).hasMessageContaining("No Pod Identity Association")
                .satisfies(e -> assertThat(((ResourceNotFoundException) e).statusCode()).isEqualTo(404));
        assertThatThrownBy(() -> eksAuth.assumeRoleForPodIdentity(x -> x.clusterName(cluster).token("a.b.c")))
                .isInstanceOf(InvalidTokenException.class)
                .satisfies(e -> assertThat(((InvalidTokenException) e).statusCode()).isEqualTo(400));
        String longAgo = stack.localCluster().mint("ns", "sa", "p", "u", Instant.now().minusSeconds(7200), Duration.ofHours(1));
        assertThatThrownBy(() -> eksAuth.assumeRoleForPodIdentity(x -> x.clusterName(cluster).token(longAgo)))
                .isInstanceOf(ExpiredTokenException.class)
                .satisfies(e -> assertThat(((ExpiredTokenException) e).statusCode()).isEqualTo(400));
        assertThatThrownBy(() -> eksAuth.assumeRoleForPodIdentity(x -> x.clusterName("unregistered").token(token("ns", "sa"))))
                .isInstanceOf(ResourceNotFoundException.class).hasMessageContaining("not registered");
    }

    @Test
    void aTokenSignedByAnotherRegisteredCluster_isRefused_evenForTheSameSubject() {
        String role = TestStack.brokerTrustedRole(TestStack.unique("xcluster-role"));
        String ns = "xcluster" + ProcessHandle.current().pid();
        associate(ns, "sa", role);
        var otherKey = Keys.rsa("other-cluster-key");
        String other = TestStack.unique("other");
        ClusterApi.register(other, "https://kubernetes.default.svc.cluster.local",
                new com.nimbusds.jose.jwk.JWKSet(otherKey.toPublicJWK()).toString());
        String tokenOfOther = signed(otherKey, ns);
        assertThatThrownBy(() -> eksAuth.assumeRoleForPodIdentity(x -> x.clusterName(cluster).token(tokenOfOther)))
                .isInstanceOf(InvalidTokenException.class).hasMessageContaining("no key with kid 'other-cluster-key'");
        assertThatThrownBy(() -> eksAuth.assumeRoleForPodIdentity(x -> x.clusterName(other).token(tokenOfOther)))
                .as("the same token verifies at its own cluster, which has no association for it")
                .isInstanceOf(ResourceNotFoundException.class);
    }

    static String signed(com.nimbusds.jose.jwk.RSAKey key, String namespace) {
        try {
            Instant now = Instant.now();
            var jwt = new com.nimbusds.jwt.SignedJWT(new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.RS256)
                    .keyID(key.getKeyID()).build(), new com.nimbusds.jwt.JWTClaimsSet.Builder()
                    .issuer("https://kubernetes.default.svc.cluster.local")
                    .subject("system:serviceaccount:" + namespace + ":sa").audience("pods.eks.amazonaws.com")
                    .issueTime(java.util.Date.from(now)).expirationTime(java.util.Date.from(now.plusSeconds(3600)))
                    .claim("kubernetes.io", Map.of("namespace", namespace, "pod", Map.of("name", "p", "uid", "u"),
                            "serviceaccount", Map.of("name", "sa"))).build());
            jwt.sign(new com.nimbusds.jose.crypto.RSASSASigner(key));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void podPath_containerCredentialsProvider_throughTheAgent_givesCredentialsThatWork() throws Exception {
        String roleName = TestStack.unique("pod-role");
        String role = TestStack.brokerTrustedRole(roleName);
        String ns = "podpath" + ProcessHandle.current().pid();
        associate(ns, "billing", role);
        Path tokenFile = Files.createTempFile("eks-pod-identity-token", "");
        Files.writeString(tokenFile, stack.localCluster().mint(ns, "billing", "billing-6f7c9", "4f1e-uid", Duration.ofHours(1)));
        AwsCredentials creds;
        System.setProperty("aws.containerCredentialsFullUri", stack.agentCredentialsUri());
        System.setProperty("aws.containerAuthorizationTokenFile", tokenFile.toString());
        try (ContainerCredentialsProvider provider = ContainerCredentialsProvider.builder().build()) {
            creds = provider.resolveCredentials();
        } finally {
            System.clearProperty("aws.containerCredentialsFullUri");
            System.clearProperty("aws.containerAuthorizationTokenFile");
        }
        assertThat(creds).isInstanceOf(AwsSessionCredentials.class);
        assertThat(creds.accessKeyId()).startsWith("ASIA");

        GetCallerIdentityResponse me = sts(creds).getCallerIdentity();
        assertThat(me.arn()).startsWith("arn:aws:sts::000000000000:assumed-role/" + roleName + "/eks-" + cluster
                + "-billing-6f7c9-");
        assertThat(me.account()).isEqualTo("000000000000");

        Principal session = stack.aws().principalOf(creds.accessKeyId());
        assertThat(session.sessionTags()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "eks-cluster-arn", "arn:aws:eks:us-east-1:000000000000:cluster/" + cluster,
                "eks-cluster-name", cluster,
                "kubernetes-namespace", ns,
                "kubernetes-service-account", "billing",
                "kubernetes-pod-name", "billing-6f7c9",
                "kubernetes-pod-uid", "4f1e-uid"));
        assertThat(session.transitiveTagKeys()).hasSize(6);
        AwsStandIn.AssumeRoleCall call = lastCall(role);
        assertThat(call.durationSeconds()).as("role chaining from the broker caps at 1 h").isEqualTo(3600);
        assertThat(call.sessionName()).hasSizeLessThanOrEqualTo(64).matches("[\\w+=,.@-]+");
    }

    @Test
    void targetRole_isAssumedWithTheFirstCredentials_andTheExternalId() {
        String first = TestStack.brokerTrustedRole(TestStack.unique("hop1"));
        String targetName = TestStack.unique("target");
        String ns = "chain" + ProcessHandle.current().pid();
        // the target trusts the first role, only with the association's external id (set after creation)
        String target;
        try (IamClient iam = TestStack.iam()) {
            target = iam.createRole(r -> r.roleName(targetName).assumeRolePolicyDocument(
                    "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + first
                            + "\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"],\"Condition\":{\"StringEquals\":"
                            + "{\"sts:ExternalId\":\"not-yet\"}}}]}")).role().arn();
            iam.putRolePolicy(r -> r.roleName(first.substring(first.lastIndexOf('/') + 1)).policyName("chain")
                    .policyDocument("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Resource\":\"*\"}]}"));
        }
        String targetArn = target;
        PodIdentityAssociation a = eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace(ns)
                .serviceAccount("etl").roleArn(first).targetRoleArn(targetArn)).association();
        assertThat(a.externalId()).isNotBlank();
        assertThat(a.targetRoleArn()).isEqualTo(target);

        assertThatThrownBy(() -> eksAuth.assumeRoleForPodIdentity(x -> x.clusterName(cluster).token(token(ns, "etl"))))
                .isInstanceOf(software.amazon.awssdk.services.eksauth.model.AccessDeniedException.class)
                .hasMessageContaining(target)
                .satisfies(e -> assertThat(((software.amazon.awssdk.services.eksauth.model.AccessDeniedException) e)
                        .statusCode()).isEqualTo(400));

        try (IamClient iam = TestStack.iam()) {
            iam.updateAssumeRolePolicy(r -> r.roleName(targetName).policyDocument(
                    "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + first
                            + "\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"],\"Condition\":{\"StringEquals\":"
                            + "{\"sts:ExternalId\":\"" + a.externalId() + "\"}}}]}"));
        }
        AssumeRoleForPodIdentityResponse r = eksAuth.assumeRoleForPodIdentity(x -> x.clusterName(cluster).token(token(ns, "etl")));
        assertThat(r.assumedRoleUser().arn()).contains(":assumed-role/" + targetName + "/");
        AwsStandIn.AssumeRoleCall second = lastCall(target);
        assertThat(second.callerArn()).contains(":assumed-role/" + first.substring(first.lastIndexOf('/') + 1) + "/");
        assertThat(second.externalId()).isEqualTo(a.externalId());
        assertThat(second.durationSeconds()).isEqualTo(59 * 60);
        Principal session = stack.aws().principalOf(r.credentials().accessKeyId());
        assertThat(session.sessionTags()).as("transitive tags reach the target session")
                .containsEntry("kubernetes-service-account", "etl").hasSize(6);
        assertThat(session.chained()).isTrue();
    }

    @Test
    void disableSessionTags_sendsNoTags_andPassesThePolicyAsSessionPolicy() {
        String roleName = TestStack.unique("notags");
        String role = TestStack.role(roleName, "\"sts:AssumeRole\"");
        String ns = "notags" + ProcessHandle.current().pid();
        String policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}";
        eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace(ns).serviceAccount("reader")
                .roleArn(role).disableSessionTags(true).policy(policy));
        AssumeRoleForPodIdentityResponse r = eksAuth.assumeRoleForPodIdentity(x -> x.clusterName(cluster).token(token(ns, "reader")));
        Principal session = stack.aws().principalOf(r.credentials().accessKeyId());
        assertThat(session.sessionTags()).isEmpty();
        assertThat(session.sessionPolicy()).isEqualTo(policy);
        assertThat(lastCall(role).tags()).isEmpty();
    }

    @Test
    void aRoleWithTheMinimumMaxSessionDuration_getsCredentials() {
        String roleName = TestStack.unique("short");
        String role;
        try (IamClient iam = TestStack.iam()) {
            role = iam.createRole(r -> r.roleName(roleName).maxSessionDuration(3600).assumeRolePolicyDocument(
                    "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + stack.brokerRoleArn()
                            + "\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"]}]}")).role().arn();
        }
        String ns = "short" + ProcessHandle.current().pid();
        associate(ns, "sa", role);
        AssumeRoleForPodIdentityResponse r = eksAuth.assumeRoleForPodIdentity(x -> x.clusterName(cluster).token(token(ns, "sa")));
        assertThat(r.credentials().expiration()).isBefore(Instant.now().plus(Duration.ofMinutes(61)));
        assertThat(lastCall(role).durationSeconds()).isEqualTo(3600);
    }

    @Test
    void create_isRefused_forMissingRole_untrustingRoles_andCallersWithoutPassRole() {
        String ns = "refuse" + ProcessHandle.current().pid();
        assertThatThrownBy(() -> associate(ns, "a", "arn:aws:iam::000000000000:role/" + TestStack.unique("missing")))
                .isInstanceOf(software.amazon.awssdk.services.eks.model.InvalidParameterException.class)
                .hasMessageContaining("Role provided in the request does not exist");
        String untrusting;
        try (IamClient iam = TestStack.iam()) {
            untrusting = iam.createRole(r -> r.roleName(TestStack.unique("untrusting")).assumeRolePolicyDocument(
                    "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},"
                            + "\"Action\":\"sts:AssumeRole\"}]}")).role().arn();
        }
        assertThatThrownBy(() -> associate(ns, "b", untrusting))
                .isInstanceOf(software.amazon.awssdk.services.eks.model.InvalidParameterException.class)
                .hasMessageContaining("Trust policy of the role provided is invalid").hasMessageContaining("sts:AssumeRole");
        String noTagSession = TestStack.role(TestStack.unique("notag"), "\"sts:AssumeRole\"");
        assertThatThrownBy(() -> associate(ns, "c", noTagSession))
                .isInstanceOf(software.amazon.awssdk.services.eks.model.InvalidParameterException.class)
                .hasMessageContaining("sts:TagSession");
        // the same role is fine once session tags are disabled
        eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace(ns).serviceAccount("c")
                .roleArn(noTagSession).disableSessionTags(true));

        String good = TestStack.brokerTrustedRole(TestStack.unique("passable"));
        AwsBasicCredentials limited;
        try (IamClient iam = TestStack.iam()) {
            String user = TestStack.unique("no-passrole");
            iam.createUser(r -> r.userName(user));
            iam.putUserPolicy(r -> r.userName(user).policyName("eks").policyDocument(
                    "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"execute-api:Invoke\",\"eks:*\"],\"Resource\":\"*\"}]}"));
            var key = iam.createAccessKey(r -> r.userName(user)).accessKey();
            limited = AwsBasicCredentials.create(key.accessKeyId(), key.secretAccessKey());
        }
        try (EksClient asLimited = TestStack.eks(limited)) {
            assertThatThrownBy(() -> asLimited.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace(ns)
                    .serviceAccount("d").roleArn(good)))
                    .isInstanceOf(software.amazon.awssdk.services.eks.model.EksException.class)
                    .hasMessageContaining("not authorized to perform: iam:PassRole")
                    .satisfies(e -> {
                        var ex = (software.amazon.awssdk.services.eks.model.EksException) e;
                        assertThat(ex.statusCode()).isEqualTo(403);
                        assertThat(ex.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
                    });
        }
        assertThat(eks.listPodIdentityAssociations(r -> r.clusterName(cluster).namespace(ns)).associations())
                .extracting(s -> s.serviceAccount()).containsExactly("c");
    }

    static StsClient sts(AwsCredentials creds) {
        return StsClient.builder().endpointOverride(URI.create(stack.awsEndpoint())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(creds))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    static AwsStandIn.AssumeRoleCall lastCall(String roleArn) {
        List<AwsStandIn.AssumeRoleCall> calls = stack.aws().assumeRoleCalls().stream()
                .filter(c -> c.roleArn().equals(roleArn) && c.outcome().equals("OK")).toList();
        assertThat(calls).as("STS calls for " + roleArn).isNotEmpty();
        return calls.get(calls.size() - 1);
    }
}
