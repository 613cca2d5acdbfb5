package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.podidentity.domain.DiagnosticCheck;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eks.model.PodIdentityAssociation;
import software.amazon.awssdk.services.eksauth.EksAuthClient;
import software.amazon.awssdk.services.eksauth.model.ExpiredTokenException;
import software.amazon.awssdk.services.eksauth.model.InvalidTokenException;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * DiagnosePodIdentity through the local API (SigV4-signed HTTP): one test per failure cause, each asserting the
 * failing step and its fix, plus a case where every step passes. Where the broker decides too, the same token is
 * sent to AssumeRoleForPodIdentity to show both agree.
 */
class DiagnosePodIdentityTest {
    static final List<String> ALL_STEPS = Arrays.stream(DiagnosticCheck.values()).map(DiagnosticCheck::wireName).toList();
    static final List<String> POD_ENV = List.of("HOME", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    static final String ISSUER = "https://oidc.diagnose.test";

    static LocalStack stack;
    static EksClient eks;
    static EksAuthClient eksAuth;
    /** A test-owned cluster whose key this test holds, so it can sign hostile tokens. */
    static String cluster;
    static RSAKey key;

    @BeforeAll
    static void setUp() {
        stack = TestStack.get();
        eks = TestStack.eks();
        eksAuth = EksAuthClient.builder().endpointOverride(URI.create(stack.apiUrl())).region(Region.of(stack.region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIANODEROLE0000", "x")))
                .httpClient(UrlConnectionHttpClient.create()).build();
        key = Keys.rsa("diag-1");
        cluster = TestStack.unique("diag");
        ClusterApi.register(cluster, ISSUER, new JWKSet(key.toPublicJWK()).toString());
    }

    @AfterAll
    static void tearDown() {
        eks.close();
        eksAuth.close();
    }

    // ---- helpers

    static JWTClaimsSet.Builder claims(String namespace, String serviceAccount) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(ISSUER).subject("system:serviceaccount:" + namespace + ":" + serviceAccount)
                .audience("pods.eks.amazonaws.com").issueTime(Date.from(now)).notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                .claim("kubernetes.io", Map.of("namespace", namespace, "pod", Map.of("name", "app-5d8f", "uid", "pod-uid-1"),
                        "serviceaccount", Map.of("name", serviceAccount, "uid", "sa-uid")));
    }

    static String sign(RSAKey signer, String kid, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), claims);
            jwt.sign(new RSASSASigner(signer));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String token(String namespace, String serviceAccount, UnaryOperator<JWTClaimsSet.Builder> change) {
        return sign(key, key.getKeyID(), change.apply(claims(namespace, serviceAccount)).build());
    }

    /** A fresh service account in a fresh namespace, associated with a new broker-trusting role. */
    record Setup(String namespace, String serviceAccount, String roleName, String roleArn, PodIdentityAssociation association) {
    }

    static Setup associated(String trustActions) {
        String roleName = TestStack.unique("diag-role");
        String role = TestStack.role(roleName, trustActions);
        String ns = TestStack.unique("dns");
        PodIdentityAssociation a = eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace(ns)
                .serviceAccount("app").roleArn(role).disableSessionTags(!trustActions.contains("TagSession"))).association();
        return new Setup(ns, "app", roleName, role, a);
    }

    static Setup associated() {
        return associated("[\"sts:AssumeRole\",\"sts:TagSession\"]");
    }

    static ObjectNode request(String namespace, String serviceAccount) {
        ObjectNode body = ClusterApi.JSON.createObjectNode().put("namespace", namespace).put("serviceAccount", serviceAccount);
        return body;
    }

    /** A request with every input of a healthy pod of {@code s}. */
    static ObjectNode full(Setup s) {
        ObjectNode body = request(s.namespace(), s.serviceAccount()).put("token", token(s.namespace(), s.serviceAccount(), b -> b))
                .put("podCreatedAt", Instant.now().getEpochSecond());
        POD_ENV.forEach(body.putArray("podEnvironment")::add);
        return body;
    }

    static ClusterApi.Response call(String clusterName, ObjectNode body) {
        return ClusterApi.signed("POST", "/clusters/" + clusterName + "/diagnose", body.toString());
    }

    static JsonNode diagnose(String clusterName, ObjectNode body) {
        ClusterApi.Response r = call(clusterName, body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode d = r.json();
        assertThat(d.path("steps")).extracting(s -> s.path("check").asText()).as("every step, in order").containsExactlyElementsOf(ALL_STEPS);
        if (body.has("token")) {
            assertThat(r.body()).as("the token is never echoed").doesNotContain(body.path("token").asText());
        }
        return d;
    }

    static JsonNode step(JsonNode diagnosis, String check) {
        for (JsonNode s : diagnosis.path("steps")) {
            if (s.path("check").asText().equals(check)) {
                return s;
            }
        }
        throw new AssertionError("no step " + check);
    }

    /** The diagnosis names {@code check} as its first failure, with a fix saying {@code fix}. */
    static JsonNode assertFirstFailure(JsonNode d, String check, String fix) {
        assertThat(d.path("healthy").asBoolean()).as(d.toString()).isFalse();
        assertThat(d.path("firstFailure").asText()).as(d.toString()).isEqualTo(check);
        JsonNode s = step(d, check);
        assertThat(s.path("status").asText()).isEqualTo("FAIL");
        assertThat(s.path("detail").asText()).isNotBlank();
        assertThat(s.path("fix").asText()).contains(fix);
        return s;
    }

    static List<String> failures(JsonNode d) {
        List<String> out = new ArrayList<>();
        d.path("steps").forEach(s -> {
            if (s.path("status").asText().equals("FAIL")) {
                out.add(s.path("check").asText());
            }
        });
        return out;
    }

    // ---- all pass

    @Test
    void diagnose_passesEveryStep_forAHealthyPod_withATargetRoleAndExternalId_andTheBrokerAgrees() {
        Setup s = associated();
        String targetName = TestStack.unique("diag-target");
        String targetArn;
        try (IamClient iam = TestStack.iam()) {
            targetArn = iam.createRole(r -> r.roleName(targetName).assumeRolePolicyDocument(
                    "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + s.roleArn()
                            + "\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"]}]}")).role().arn();
        }
        String externalId = eks.updatePodIdentityAssociation(r -> r.clusterName(cluster)
                .associationId(s.association().associationId()).targetRoleArn(targetArn)).association().externalId();
        try (IamClient iam = TestStack.iam()) {
            iam.updateAssumeRolePolicy(r -> r.roleName(targetName).policyDocument(
                    "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + s.roleArn()
                            + "\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"],\"Condition\":{\"StringEquals\":"
                            + "{\"sts:ExternalId\":\"" + externalId + "\"}}}]}"));
            iam.putRolePolicy(r -> r.roleName(s.roleName()).policyName("hop").policyDocument(
                    "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Resource\":\"" + targetArn + "\"}]}"));
        }
        ObjectNode body = full(s);
        JsonNode d = diagnose(cluster, body);
        assertThat(d.path("steps")).allSatisfy(step -> assertThat(step.path("status").asText()).as(step.toString()).isEqualTo("PASS"));
        assertThat(d.path("healthy").asBoolean()).isTrue();
        assertThat(d.has("firstFailure")).isFalse();
        assertThat(step(d, "targetRole").path("detail").asText()).contains(targetArn).contains("external id");

        var issued = eksAuth.assumeRoleForPodIdentity(r -> r.clusterName(cluster).token(body.path("token").asText()));
        assertThat(issued.assumedRoleUser().arn()).contains(targetName);
    }

    // ---- one test per failure cause

    @Test
    void clusterNotRegistered_isTheFirstFailure_andTokenChecksAreSkipped() {
        JsonNode d = diagnose("not-registered-" + ProcessHandle.current().pid(),
                request("default", "app").put("token", token("default", "app", b -> b)));
        assertFirstFailure(d, "clusterRegistered", "PUT /clusters/not-registered-");
        assertThat(step(d, "tokenSignature").path("status").asText()).isEqualTo("SKIP");
        assertThat(step(d, "tokenSignature").path("detail").asText()).contains("not registered");
    }

    @Test
    void unreadableToken_failsTokenParses_asTheBrokerRefusesIt() {
        Setup s = associated();
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount()).put("token", "not-a-jwt"));
        assertFirstFailure(d, "tokenParses", "projected token");
        assertThat(step(d, "tokenIssuer").path("status").asText()).isEqualTo("SKIP");
        assertThatThrownBy(() -> eksAuth.assumeRoleForPodIdentity(r -> r.clusterName(cluster).token("not-a-jwt")))
                .isInstanceOf(InvalidTokenException.class);
    }

    @Test
    void hmacSignedToken_failsTokenAlgorithm() throws Exception {
        Setup s = associated();
        SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(key.getKeyID()).build(),
                claims(s.namespace(), s.serviceAccount()).build());
        hs.sign(new com.nimbusds.jose.crypto.MACSigner(key.toPublicJWK().toRSAPublicKey().getEncoded()));
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount()).put("token", hs.serialize()));
        assertFirstFailure(d, "tokenAlgorithm", "RSA or ECDSA");
        assertThat(step(d, "tokenSignature").path("status").asText()).isEqualTo("SKIP");
    }

    @Test
    void tokenNamingItsOwnKeySource_failsTokenHeader() throws Exception {
        Setup s = associated();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                .jwkURL(URI.create("https://attacker.example/jwks")).build(), claims(s.namespace(), s.serviceAccount()).build());
        jwt.sign(new RSASSASigner(key));
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount()).put("token", jwt.serialize()));
        JsonNode failed = assertFirstFailure(d, "tokenHeader", "not a Kubernetes projected token");
        assertThat(failed.path("detail").asText()).contains("'jku'");
        assertThat(failures(d)).containsExactly("tokenHeader");
    }

    @Test
    void unknownKid_saysKeysRotated_reRegisterWithTheCurrentJwks() {
        Setup s = associated();
        RSAKey rotated = Keys.rsa("diag-2");
        String t = sign(rotated, "diag-2", claims(s.namespace(), s.serviceAccount()).build());
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount()).put("token", t));
        assertFirstFailure(d, "tokenKeyId", "re-register with the cluster's current JWKS");
        assertThat(failures(d)).containsExactly("tokenKeyId");
        assertThat(step(d, "tokenSignature").path("status").asText()).isEqualTo("SKIP");
        assertThatThrownBy(() -> eksAuth.assumeRoleForPodIdentity(r -> r.clusterName(cluster).token(t)))
                .isInstanceOf(InvalidTokenException.class).hasMessageContaining("no key with kid 'diag-2'");
    }

    @Test
    void signatureByAnotherKeyUnderTheRegisteredKid_failsTokenSignature() {
        Setup s = associated();
        String t = sign(Keys.rsa("x"), key.getKeyID(), claims(s.namespace(), s.serviceAccount()).build());
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount()).put("token", t));
        assertFirstFailure(d, "tokenSignature", "did not sign the token");
    }

    @Test
    void anotherIssuer_failsTokenIssuer() {
        Setup s = associated();
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount())
                .put("token", token(s.namespace(), s.serviceAccount(), b -> b.issuer("https://other.issuer"))));
        assertFirstFailure(d, "tokenIssuer", "Re-register the cluster with the issuer its tokens carry");
        assertThat(step(d, "tokenIssuer").path("detail").asText()).contains("https://other.issuer");
    }

    @Test
    void wrongAudience_failsTokenAudience() {
        Setup s = associated();
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount())
                .put("token", token(s.namespace(), s.serviceAccount(), b -> b.audience("sts.amazonaws.com"))));
        assertFirstFailure(d, "tokenAudience", "audience pods.eks.amazonaws.com");
    }

    @Test
    void legacyTokenWithoutPodClaims_failsTokenClaims() {
        Setup s = associated();
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount()).put("token", token(s.namespace(),
                s.serviceAccount(), b -> b.claim("kubernetes.io", Map.of("namespace", s.namespace(),
                        "serviceaccount", Map.of("name", s.serviceAccount()))))));
        assertFirstFailure(d, "tokenClaims", "bound to a pod");
    }

    @Test
    void expiredToken_failsTokenExpiry_asTheBrokerAnswersExpiredTokenException() {
        Setup s = associated();
        Instant past = Instant.now().minus(Duration.ofHours(3));
        String t = token(s.namespace(), s.serviceAccount(), b -> b.issueTime(Date.from(past)).notBeforeTime(Date.from(past))
                .expirationTime(Date.from(past.plus(Duration.ofHours(1)))));
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount()).put("token", t));
        assertFirstFailure(d, "tokenExpiry", "pass the file's current content");
        assertThat(failures(d)).containsExactly("tokenExpiry");
        assertThatThrownBy(() -> eksAuth.assumeRoleForPodIdentity(r -> r.clusterName(cluster).token(t)))
                .isInstanceOf(ExpiredTokenException.class);
    }

    @Test
    void tokenFromTheFuture_failsTokenNotBefore() {
        Setup s = associated();
        Instant later = Instant.now().plus(Duration.ofMinutes(10));
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount()).put("token", token(s.namespace(),
                s.serviceAccount(), b -> b.issueTime(Date.from(later)).notBeforeTime(Date.from(later)))));
        assertFirstFailure(d, "tokenNotBefore", "clock");
    }

    @Test
    void tooLongLifetime_failsTokenLifetime() {
        Setup s = associated();
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount()).put("token", token(s.namespace(),
                s.serviceAccount(), b -> b.expirationTime(Date.from(Instant.now().plus(Duration.ofDays(30)))))));
        assertFirstFailure(d, "tokenLifetime", "podTokenLifetimeSeconds");
    }

    @Test
    void tokenOverTheClustersLifetimeLimit_failsTokenLifetime_namingTheLimit() {
        Setup s = associated();
        Instant now = Instant.now();
        // one second over the cluster's default limit of one hour (the stock webhook's 24 h tokens fail the same way)
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount()).put("token", token(s.namespace(),
                s.serviceAccount(), b -> b.issueTime(Date.from(now)).notBeforeTime(Date.from(now))
                        .expirationTime(Date.from(now.plusSeconds(3601))))));
        assertFirstFailure(d, "tokenLifetime", "register the cluster again with podTokenLifetimeSeconds");
        assertThat(step(d, "tokenLifetime").path("detail").asText()).contains("3601 seconds", "limit of 3600 seconds");
    }

    @Test
    void subjectDisagreeingWithItsClaims_failsTokenSubjectClaims() {
        Setup s = associated();
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount()).put("token", token(s.namespace(),
                s.serviceAccount(), b -> b.subject("system:serviceaccount:" + s.namespace() + ":admin"))));
        assertFirstFailure(d, "tokenSubjectClaims", "not issued by a Kubernetes API server");
    }

    @Test
    void tokenOfAnotherServiceAccount_failsTokenServiceAccount() {
        Setup s = associated();
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount())
                .put("token", token(s.namespace(), "default", b -> b)));
        assertFirstFailure(d, "tokenServiceAccount", "spec.serviceAccountName");
        assertThat(failures(d)).containsExactly("tokenServiceAccount");
    }

    @Test
    void noAssociation_failsAssociationExists_andSkipsRoleChecks() {
        String ns = TestStack.unique("noassoc");
        JsonNode d = diagnose(cluster, request(ns, "app").put("token", token(ns, "app", b -> b)));
        assertFirstFailure(d, "associationExists", "CreatePodIdentityAssociation");
        assertThat(failures(d)).containsExactly("associationExists");
        assertThat(step(d, "roleExists").path("status").asText()).isEqualTo("SKIP");
    }

    @Test
    void roleDeletedAfterAssociating_failsRoleExists() {
        Setup s = associated();
        try (IamClient iam = TestStack.iam()) {
            iam.deleteRole(r -> r.roleName(s.roleName()));
        }
        JsonNode d = diagnose(cluster, full(s));
        assertFirstFailure(d, "roleExists", "Create the role");
        assertThat(failures(d)).containsExactly("roleExists");
        assertThat(step(d, "roleTrustsBroker").path("status").asText()).isEqualTo("SKIP");
    }

    @Test
    void trustPolicyWithoutTagSession_failsRoleTrustsBroker_suggestingDisableSessionTags() {
        Setup s = associated();
        try (IamClient iam = TestStack.iam()) {
            iam.updateAssumeRolePolicy(r -> r.roleName(s.roleName()).policyDocument(
                    "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + stack.brokerRoleArn()
                            + "\"},\"Action\":\"sts:AssumeRole\"}]}"));
        }
        JsonNode d = diagnose(cluster, full(s));
        JsonNode failed = assertFirstFailure(d, "roleTrustsBroker", "disableSessionTags=true");
        assertThat(failed.path("detail").asText()).contains("sts:TagSession").contains(stack.brokerRoleArn());
        assertThat(failures(d)).containsExactly("roleTrustsBroker");
    }

    @Test
    void brokerPolicyNotCoveringTheRole_failsBrokerMayAssumeRole() {
        Setup s = associated();
        String policyName = "deny-" + s.roleName();
        try (IamClient iam = TestStack.iam()) {
            iam.putRolePolicy(r -> r.roleName("pod-identity-broker").policyName(policyName).policyDocument(
                    "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"sts:AssumeRole\",\"Resource\":\"" + s.roleArn() + "\"}]}"));
        }
        try {
            JsonNode d = diagnose(cluster, full(s));
            assertFirstFailure(d, "brokerMayAssumeRole", "assumableRoleArns");
            assertThat(failures(d)).containsExactly("brokerMayAssumeRole");
        } finally {
            stack.iam().role("pod-identity-broker").orElseThrow().policies().remove(policyName);
        }
    }

    @Test
    void targetRoleRequiringAnotherExternalId_failsTargetRole() {
        Setup s = associated();
        String targetName = TestStack.unique("diag-target");
        String targetArn;
        try (IamClient iam = TestStack.iam()) {
            targetArn = iam.createRole(r -> r.roleName(targetName).assumeRolePolicyDocument(
                    "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + s.roleArn()
                            + "\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"],\"Condition\":{\"StringEquals\":"
                            + "{\"sts:ExternalId\":\"not-the-association-one\"}}}]}")).role().arn();
        }
        String externalId = eks.updatePodIdentityAssociation(r -> r.clusterName(cluster)
                .associationId(s.association().associationId()).targetRoleArn(targetArn)).association().externalId();
        JsonNode d = diagnose(cluster, full(s));
        JsonNode failed = assertFirstFailure(d, "targetRole", "sts:ExternalId\": \"" + externalId);
        assertThat(failed.path("detail").asText()).contains(targetArn);
    }

    @Test
    void crossAccountTargetRole_isSkipped_sayingWhatToVerifyByHand() {
        Setup s = associated();
        String target = "arn:aws:iam::111122223333:role/elsewhere";
        eks.updatePodIdentityAssociation(r -> r.clusterName(cluster).associationId(s.association().associationId())
                .targetRoleArn(target));
        JsonNode d = diagnose(cluster, full(s));
        JsonNode step = step(d, "targetRole");
        assertThat(step.path("status").asText()).isEqualTo("SKIP");
        assertThat(step.path("detail").asText()).contains("111122223333").contains("verify by hand")
                .contains("sts:ExternalId").contains(s.roleArn());
        assertThat(d.path("healthy").asBoolean()).isTrue();
    }

    @Test
    void podCreatedBeforeTheAssociation_failsPodCreatedAfterAssociation_restartThePod() {
        Setup s = associated();
        ObjectNode body = full(s).put("podCreatedAt", s.association().createdAt().getEpochSecond() - 600);
        JsonNode d = diagnose(cluster, body);
        assertFirstFailure(d, "podCreatedAfterAssociation", "Restart the pod");
        assertThat(failures(d)).containsExactly("podCreatedAfterAssociation");
    }

    @Test
    void podWithoutTheWebhooksVariables_failsPodEnvironment() {
        Setup s = associated();
        ObjectNode body = full(s);
        body.putArray("podEnvironment").add("HOME").add("AWS_CONTAINER_CREDENTIALS_FULL_URI");
        JsonNode d = diagnose(cluster, body);
        JsonNode failed = assertFirstFailure(d, "podEnvironment", "webhook");
        assertThat(failed.path("detail").asText()).contains("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
                .doesNotContain("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    }

    @Test
    void anIpv4UriInAPodOfAnIpv6Cluster_failsPodEnvironment_namingTheExpectedUri() {
        Setup s = associated();
        ObjectNode body = full(s);
        body.remove("podEnvironment");
        body.putArray("podEnvironment").add("AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials")
                .add("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token");
        assertThat(diagnose(cluster, body).path("healthy").asBoolean()).as("ipv4 cluster, ipv4 URI").isTrue();
        Admission.register(cluster, ISSUER, new JWKSet(key.toPublicJWK()).toString(), "\"ipFamily\":\"ipv6\"");
        try {
            JsonNode failed = assertFirstFailure(diagnose(cluster, body), "podEnvironment", "ipFamily");
            assertThat(failed.path("detail").asText()).contains("is registered as ipv6 (http://[fd00:ec2::23]/v1/credentials)");
        } finally {
            Admission.register(cluster, ISSUER, new JWKSet(key.toPublicJWK()).toString(), "\"ipFamily\":\"ipv4\"");
        }
    }

    @Test
    void aPodWithItsOwnVolumeWhereTheTokenGoes_failsPodEnvironment_namingIt() {
        Setup s = associated();
        ObjectNode body = full(s);
        body.remove("podEnvironment");
        body.set("pod", Admission.pod("{'spec':{'serviceAccountName':'" + s.serviceAccount() + "','containers':[{'name':'app',"
                + "'env':[{'name':'AWS_CONTAINER_CREDENTIALS_FULL_URI','value':'http://169.254.170.23/v1/credentials'}],"
                + "'volumeMounts':[{'name':'mine','mountPath':'/var/run/secrets/pods.eks.amazonaws.com/serviceaccount'}]}],"
                + "'volumes':[{'name':'mine','emptyDir':{}}]}}"));
        JsonNode failed = assertFirstFailure(diagnose(cluster, body), "podEnvironment", "move its mount");
        assertThat(failed.path("detail").asText()).contains("container app mounts mine at /var/run/secrets/pods.eks.amazonaws.com/serviceaccount");
        body.set("pod", Admission.pod("{'spec':{'containers':'x'}}").without("spec"));
        assertThat(call(cluster, body).status()).isEqualTo(400);
    }

    // ---- inputs

    @Test
    void missingInputs_areSkipped_sayingWhatToPass() {
        Setup s = associated();
        JsonNode d = diagnose(cluster, request(s.namespace(), s.serviceAccount()));
        assertThat(d.path("healthy").asBoolean()).isTrue();
        assertThat(step(d, "tokenParses").path("status").asText()).isEqualTo("SKIP");
        assertThat(step(d, "tokenParses").path("detail").asText()).contains("pass token");
        assertThat(step(d, "podCreatedAfterAssociation").path("detail").asText()).contains("pass podCreatedAt");
        assertThat(step(d, "podEnvironment").path("detail").asText()).contains("pass podEnvironment");
        assertThat(step(d, "roleTrustsBroker").path("status").asText()).isEqualTo("PASS");
    }

    @Test
    void badRequests_are400s_sayingWhatToFix() {
        ClusterApi.Response noNamespace = call(cluster, ClusterApi.JSON.createObjectNode().put("serviceAccount", "app"));
        assertThat(noNamespace.status()).isEqualTo(400);
        assertThat(noNamespace.errorType()).isEqualTo("InvalidParameterException");
        assertThat(noNamespace.json().path("message").asText()).contains("namespace is required");
        ClusterApi.Response textTime = call(cluster, request("default", "app").put("podCreatedAt", "yesterday"));
        assertThat(textTime.status()).isEqualTo(400);
        assertThat(textTime.json().path("message").asText()).contains("podCreatedAt must be a number");
        ObjectNode badEnv = request("default", "app");
        badEnv.putArray("podEnvironment").add(1);
        assertThat(call(cluster, badEnv).json().path("message").asText()).contains("podEnvironment must hold strings");
        ClusterApi.Response unsigned = ClusterApi.send(java.util.Objects.requireNonNull(
                software.amazon.awssdk.http.SdkHttpRequest.builder().uri(URI.create(stack.apiUrl() + "/clusters/" + cluster + "/diagnose"))
                        .method(software.amazon.awssdk.http.SdkHttpMethod.POST).putHeader("Content-Type", "application/json").build()),
                request("default", "app").toString());
        assertThat(unsigned.status()).as("an admin route: IAM authorization").isEqualTo(403);
    }
}
