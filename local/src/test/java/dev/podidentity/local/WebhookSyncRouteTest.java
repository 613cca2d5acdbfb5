package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import dev.podidentity.domain.WebhookSync;
import dev.podidentity.testing.PodTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eks.EksClient;

/**
 * SyncWebhookIdentities over HTTP through the local gateway, as the sync container calls it: unsigned, a projected
 * token of the cluster's sync service account in the body. Every way a token can be wrong answers its own error type,
 * status and message; the IAM route GetWebhookIdentities is unchanged.
 */
class WebhookSyncRouteTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String SYNC_NS = "pod-identity-system";
    static final String SYNC_SA = "webhook-sync";
    static String cluster;
    static String issuer;
    static RSAKey key;

    @BeforeAll
    static void setUp() {
        cluster = TestStack.unique("sync");
        issuer = "https://oidc.local/" + cluster;
        key = Keys.rsa("sync-k1");
        ClusterApi.register(cluster, issuer, new com.nimbusds.jose.jwk.JWKSet(key.toPublicJWK()).toString(true));
        try (EksClient eks = TestStack.eks()) {
            String role = TestStack.brokerTrustedRole(TestStack.unique("sync-role"));
            eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("shop").serviceAccount("cart").roleArn(role));
            eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("billing").serviceAccount("invoices").roleArn(role));
        }
    }

    /** A token as the kubelet projects it for the sync container (audience pod-identity.dev/webhook-sync). */
    static String token(RSAKey signer, String tokenIssuer, String namespace, String serviceAccount, String audience,
                        Instant issuedAt) {
        return PodTokens.rs256(PodTokens.claims(tokenIssuer, namespace, serviceAccount, issuedAt, Duration.ofMinutes(10))
                .audience(List.of(audience)).build(), signer);
    }

    static String syncToken() {
        return token(key, issuer, SYNC_NS, SYNC_SA, WebhookSync.AUDIENCE, Instant.now());
    }

    static ClusterApi.Response sync(String clusterName, String body) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                            URI.create(TestStack.get().apiUrl() + "/clusters/" + clusterName + "/webhook-identities"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new ClusterApi.Response(r.statusCode(), r.headers().map(), r.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static ClusterApi.Response syncWith(String token) {
        return sync(cluster, "{\"token\": \"" + token + "\"}");
    }

    @Test
    void theSyncServiceAccountsToken_readsTheIdentitiesFile_exactlyAsTheIamRouteAnswersIt() {
        ClusterApi.Response synced = syncWith(syncToken());
        assertThat(synced.status()).as(synced.body()).isEqualTo(200);
        assertThat(synced.body()).isEqualTo("{\"identities\":[{\"namespace\":\"billing\",\"serviceAccount\":\"invoices\"},"
                + "{\"namespace\":\"shop\",\"serviceAccount\":\"cart\"}]}");

        ClusterApi.Response iam = ClusterApi.signed("GET", "/clusters/" + cluster + "/webhook-identities", null);
        assertThat(iam.status()).isEqualTo(200);
        assertThat(iam.body()).isEqualTo(synced.body());
    }

    @Test
    void aTokenOfAnotherServiceAccount_isRefused_403_namingTheAllowedOne() {
        ClusterApi.Response r = syncWith(token(key, issuer, "shop", "cart", WebhookSync.AUDIENCE, Instant.now()));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.errorType()).isEqualTo("AccessDeniedException");
        assertThat(r.json().path("message").asText()).isEqualTo("Service account shop/cart may not read the webhook"
                + " identities of cluster " + cluster + ": only pod-identity-system/webhook-sync may (run the sync as"
                + " that service account, or register the cluster with webhookSyncServiceAccount naming another)");
    }

    @Test
    void aPodCredentialToken_ofTheSyncServiceAccount_isRefused_forItsAudience() {
        ClusterApi.Response r = syncWith(token(key, issuer, SYNC_NS, SYNC_SA, PodTokens.AUDIENCE, Instant.now()));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorType()).isEqualTo("InvalidTokenException");
        assertThat(r.json().path("message").asText())
                .isEqualTo("The token is invalid: audience must include pod-identity.dev/webhook-sync");
    }

    @Test
    void aSyncToken_mintsNoCredentials() {
        ClusterApi.Response r = ClusterApi.send(software.amazon.awssdk.http.SdkHttpRequest.builder()
                .uri(URI.create(TestStack.get().apiUrl() + "/clusters/" + cluster + "/assume-role-for-pod-identity"))
                .method(software.amazon.awssdk.http.SdkHttpMethod.POST).putHeader("Content-Type", "application/json").build(),
                "{\"token\": \"" + token(key, issuer, "shop", "cart", WebhookSync.AUDIENCE, Instant.now()) + "\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorType()).isEqualTo("InvalidTokenException");
        assertThat(r.json().path("message").asText()).contains("audience must include pods.eks.amazonaws.com");
    }

    @Test
    void aTokenOfAnotherCluster_isRefused() {
        String other = TestStack.unique("sync-other");
        RSAKey otherKey = Keys.rsa("sync-k1"); // the same kid, another key: only the signature tells them apart
        ClusterApi.register(other, "https://oidc.local/" + other, new com.nimbusds.jose.jwk.JWKSet(otherKey.toPublicJWK()).toString(true));
        String otherToken = token(otherKey, "https://oidc.local/" + other, SYNC_NS, SYNC_SA, WebhookSync.AUDIENCE, Instant.now());

        ClusterApi.Response r = syncWith(otherToken);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorType()).isEqualTo("InvalidTokenException");
        assertThat(r.json().path("message").asText())
                .isEqualTo("The token is invalid: the signature does not verify with the registered key 'sync-k1'");
        assertThat(sync(other, "{\"token\": \"" + otherToken + "\"}").body()).isEqualTo("{\"identities\":[]}");
    }

    @Test
    void expired_tampered_missing_unknownCluster_eachAnswerTheirOwnError() {
        ClusterApi.Response expired = syncWith(token(key, issuer, SYNC_NS, SYNC_SA, WebhookSync.AUDIENCE,
                Instant.now().minus(Duration.ofMinutes(20))));
        assertThat(expired.status()).isEqualTo(400);
        assertThat(expired.errorType()).isEqualTo("ExpiredTokenException");
        assertThat(expired.json().path("message").asText()).startsWith("The token expired at ");

        String valid = syncToken();
        String[] parts = valid.split("\\.");
        String claims = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), java.nio.charset.StandardCharsets.UTF_8)
                .replace("\"webhook-sync\"", "\"webhook-syncx\"");
        String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(claims.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "." + parts[2];
        ClusterApi.Response forged = syncWith(tampered);
        assertThat(forged.status()).isEqualTo(400);
        assertThat(forged.errorType()).isEqualTo("InvalidTokenException");
        assertThat(forged.json().path("message").asText()).contains("the signature does not verify");

        ClusterApi.Response missing = sync(cluster, "{}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.errorType()).isEqualTo("InvalidParameterException");
        assertThat(missing.json().path("message").asText()).startsWith("token is required");

        ClusterApi.Response unknown = sync(TestStack.unique("never-registered"), "{\"token\": \"" + valid + "\"}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.errorType()).isEqualTo("ResourceNotFoundException");

        ClusterApi.Response notJson = sync(cluster, "token=" + valid);
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.body()).doesNotContain(valid);
    }

    @Test
    void theSyncServiceAccount_isConfigurablePerCluster_andShownByDescribeCluster() {
        String custom = TestStack.unique("sync-custom");
        String customIssuer = "https://oidc.local/" + custom;
        String jwks = new com.nimbusds.jose.jwk.JWKSet(key.toPublicJWK()).toString(true);
        assertThat(Admission.register(custom, customIssuer, jwks, null).at("/cluster/webhookSyncServiceAccount").asText())
                .isEqualTo("pod-identity-system/webhook-sync");
        assertThat(Admission.register(custom, customIssuer, jwks, "\"webhookSyncServiceAccount\": \"ops/identities-sync\"")
                .at("/cluster/webhookSyncServiceAccount").asText()).isEqualTo("ops/identities-sync");
        // a re-registration without it keeps it (as a key rotation by cluster/install does)
        Admission.register(custom, customIssuer, jwks, null);
        ClusterApi.Response described = ClusterApi.signed("GET", "/clusters/" + custom, null);
        assertThat(described.json().at("/cluster/webhookSyncServiceAccount").asText()).isEqualTo("ops/identities-sync");

        ClusterApi.Response byDefault = sync(custom, "{\"token\": \"" + token(key, customIssuer, SYNC_NS, SYNC_SA,
                WebhookSync.AUDIENCE, Instant.now()) + "\"}");
        assertThat(byDefault.status()).isEqualTo(403);
        assertThat(byDefault.json().path("message").asText()).contains("only ops/identities-sync may");
        ClusterApi.Response byCustom = sync(custom, "{\"token\": \"" + token(key, customIssuer, "ops", "identities-sync",
                WebhookSync.AUDIENCE, Instant.now()) + "\"}");
        assertThat(byCustom.status()).as(byCustom.body()).isEqualTo(200);

        ClusterApi.Response invalid = ClusterApi.signed("PUT", "/clusters/" + custom, "{\"issuer\":\"" + customIssuer
                + "\",\"jwks\":" + jwks + ",\"webhookSyncServiceAccount\":\"just-a-name\"}");
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.errorType()).isEqualTo("InvalidParameterException");
        assertThat(invalid.json().path("message").asText()).startsWith("webhookSyncServiceAccount 'just-a-name' must be NAMESPACE/NAME");
    }

    @Test
    void theIamRoute_stillWantsASignature() {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(TestStack.get().apiUrl() + "/clusters/"
                    + cluster + "/webhook-identities")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.headers().firstValue("x-amzn-ErrorType").orElse("")).startsWith("MissingAuthenticationToken");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
