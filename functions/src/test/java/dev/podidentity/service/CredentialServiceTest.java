package dev.podidentity.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.RSAKey;
import dev.podidentity.domain.Association;
import dev.podidentity.domain.CredentialIssuer;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.IssuedCredentials;
import dev.podidentity.domain.PodClaims;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.SubjectBinding;
import dev.podidentity.service.token.TokenCheck;
import dev.podidentity.service.token.TokenRejectedException;
import dev.podidentity.testing.PodTokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CredentialService over the in-memory store: key cache and refresh on a movable clock, binding lookup, issuance. */
class CredentialServiceTest {
    /** Generated once per JVM (not per test run: mutation testing runs single tests thousands of times). */
    static final RSAKey rotated = PodTokens.rsaKey("k2");

    /** Issues credentials naming the binding's role, and records what it was asked for. */
    static final class RecordingIssuer implements CredentialIssuer {
        final List<String> calls = new ArrayList<>();

        @Override
        public IssuedCredentials issue(SubjectBinding binding, PodClaims pod, String clusterArn) {
            calls.add(binding.associationId() + " " + pod.podName() + " " + clusterArn);
            return new IssuedCredentials("ASIA" + binding.associationId(), "secret", "session", ServiceFixture.START.plusSeconds(3600),
                    binding.roleArn().replace(":iam:", ":sts:").replace(":role/", ":assumed-role/") + "/pod",
                    "AROA:" + pod.podName());
        }
    }

    ServiceFixture f;
    RecordingIssuer issuer;
    CredentialService service;
    Association association;

    @BeforeEach
    void setUp() {
        f = new ServiceFixture();
        f.cluster("prod");
        association = new AssociationService(f.store, (role, tagSession, caller) -> { }, ServiceFixture.IDENTITY,
                f.pageTokens, f.clock).create(new CreateAssociationRequest("prod", "payments", "api",
                AssociationServiceTest.ROLE, null, null, null, null, null), null);
        issuer = new RecordingIssuer();
        service = new CredentialService(f.store, issuer, f.clock);
    }

    String token(RSAKey key, String serviceAccount, Duration lifetime) {
        return PodTokens.rs256(PodTokens.claims(ServiceFixture.ISSUER, "payments", serviceAccount,
                f.clock.instant().minusSeconds(10), lifetime).build(), key);
    }

    String token(RSAKey key) {
        return token(key, "api", Duration.ofHours(1));
    }

    static void assertRejected(Throwable thrown, TokenCheck reason) {
        assertThat(thrown).isInstanceOfSatisfying(TokenRejectedException.class, e -> {
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TOKEN);
        });
    }

    @Test
    void assume_issuesCredentialsForTheBinding_whenTheTokenIsValid() {
        CredentialService.Result result = service.assume("prod", token(ServiceFixture.SIGNING_KEY));

        assertThat(result.pod()).isEqualTo(new PodClaims("payments", "api", "api-7d9f", "p-uid", PodTokens.AUDIENCE));
        assertThat(result.binding()).isEqualTo(f.store.findBinding("prod", "payments", "api").orElseThrow());
        assertThat(result.binding().associationId()).isEqualTo(association.associationId());
        assertThat(result.credentials().accessKeyId()).isEqualTo("ASIA" + association.associationId());
        assertThat(result.credentials().assumedRoleArn()).isEqualTo("arn:aws:sts::111122223333:assumed-role/app/pod");
        assertThat(issuer.calls).containsExactly(association.associationId() + " api-7d9f "
                + ServiceFixture.IDENTITY.clusterArn("prod"));
    }

    @Test
    void assume_isResourceNotFound_whenTheClusterIsNotRegistered() {
        assertThatThrownBy(() -> service.assume("absent", token(ServiceFixture.SIGNING_KEY)))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND))
                .hasMessageContaining("absent");
        assertThat(issuer.calls).isEmpty();
    }

    @Test
    void assume_isResourceNotFound_whenTheServiceAccountHasNoAssociation() {
        assertThatThrownBy(() -> service.assume("prod", token(ServiceFixture.SIGNING_KEY, "worker", Duration.ofHours(1))))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND))
                .hasMessageContaining("worker").hasMessageContaining("payments");
        assertThat(issuer.calls).isEmpty();
    }

    @Test
    void assume_isInvalidParameter_withoutAToken_andInvalidToken_forAnotherClustersSignature() {
        assertThatThrownBy(() -> service.assume("prod", ""))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER));
        RSAKey impostor = new RSAKey.Builder(rotated).keyID(ServiceFixture.SIGNING_KEY.getKeyID()).build();
        assertRejected(org.assertj.core.api.Assertions.catchThrowable(() -> service.assume("prod", token(impostor))),
                TokenCheck.SIGNATURE);
        assertThat(issuer.calls).isEmpty();
    }

    @Test
    void assume_checksThatATokenIsThere_beforeLookingUpTheCluster() {
        for (String missing : new String[] {null, ""}) {
            assertThatThrownBy(() -> service.assume("absent", missing))
                    .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                    .hasMessageContaining("token is required");
        }
    }

    @Test
    void assume_keepsCachedKeys_refreshesOnAnUnknownKidOnlyAfterTheRefreshInterval() {
        service.assume("prod", token(ServiceFixture.SIGNING_KEY));
        f.cluster("prod", rotated);
        f.clock.advance(Duration.ofSeconds(1));

        // within the cache TTL the old key still verifies, and a new kid does not re-read the keys yet
        assertThat(service.assume("prod", token(ServiceFixture.SIGNING_KEY)).binding()).isNotNull();
        assertRejected(org.assertj.core.api.Assertions.catchThrowable(() -> service.assume("prod", token(rotated))),
                TokenCheck.UNKNOWN_KID);

        f.clock.advance(CredentialService.KEY_REFRESH_INTERVAL);

        // the unknown kid now re-reads the keys once: the rotated key verifies, the removed one no longer does
        assertThat(service.assume("prod", token(rotated)).binding().associationId()).isEqualTo(association.associationId());
        assertRejected(org.assertj.core.api.Assertions.catchThrowable(() -> service.assume("prod", token(ServiceFixture.SIGNING_KEY))),
                TokenCheck.UNKNOWN_KID);
    }

    @Test
    void assume_picksUpRotatedKeys_whenTheCacheExpires_evenForAKnownKid() {
        service.assume("prod", token(ServiceFixture.SIGNING_KEY));
        RSAKey sameKidNewKey = new RSAKey.Builder(rotated).keyID(ServiceFixture.SIGNING_KEY.getKeyID()).build();
        f.cluster("prod", sameKidNewKey);

        assertRejected(org.assertj.core.api.Assertions.catchThrowable(() -> service.assume("prod", token(sameKidNewKey))),
                TokenCheck.SIGNATURE);
        f.clock.advance(CredentialService.KEY_CACHE_TTL);

        assertThat(service.assume("prod", token(sameKidNewKey)).binding()).isNotNull();
    }

    @Test
    void assume_refusesTokensLongerThanTheClustersLifetimeLimit() {
        f.clusters.register("prod", ServiceFixture.ISSUER, new com.nimbusds.jose.jwk.JWKSet(
                ServiceFixture.SIGNING_KEY.toPublicJWK()).toString(), Map.of(), 600, false);
        f.clock.advance(Duration.ofSeconds(3600).plus(dev.podidentity.domain.Cluster.LIFETIME_CHANGE_MARGIN));

        assertThat(service.assume("prod", token(ServiceFixture.SIGNING_KEY, "api", Duration.ofSeconds(600))).binding())
                .isNotNull();
        assertRejected(org.assertj.core.api.Assertions.catchThrowable(
                () -> service.assume("prod", token(ServiceFixture.SIGNING_KEY, "api", Duration.ofSeconds(601)))),
                TokenCheck.LIFETIME);
        assertThat(issuer.calls).hasSize(1);
    }

    @Test
    void loweringTheLimit_keepsAcceptingThePreviousLifetime_untilItsTokensHaveExpired() {
        String jwks = new com.nimbusds.jose.jwk.JWKSet(ServiceFixture.SIGNING_KEY.toPublicJWK()).toString();
        f.clusters.register("prod", ServiceFixture.ISSUER, jwks, Map.of(), 7200, false);
        f.clock.advance(Duration.ofHours(3));
        dev.podidentity.domain.Cluster lowered = f.clusters.register("prod", ServiceFixture.ISSUER, jwks, Map.of(), 600, false).cluster();
        assertThat(lowered.podTokenLifetimeEffectiveAt())
                .isEqualTo(f.clock.instant().plusSeconds(7200).plus(dev.podidentity.domain.Cluster.LIFETIME_CHANGE_MARGIN));
        assertThat(lowered.previousPodTokenLifetimeSeconds()).isEqualTo(7200);

        assertThat(service.assume("prod", token(ServiceFixture.SIGNING_KEY, "api", Duration.ofSeconds(7200))).binding())
                .as("a running pod's token under the previous limit").isNotNull();
        f.clock.set(lowered.podTokenLifetimeEffectiveAt().plus(CredentialService.KEY_CACHE_TTL));
        assertRejected(org.assertj.core.api.Assertions.catchThrowable(
                () -> service.assume("prod", token(ServiceFixture.SIGNING_KEY, "api", Duration.ofSeconds(601)))),
                TokenCheck.LIFETIME);
    }

    @Test
    void assume_seesAnUnregisteredCluster_afterTheCacheExpires() {
        service.assume("prod", token(ServiceFixture.SIGNING_KEY));
        service.assume("prod", token(ServiceFixture.SIGNING_KEY));
        f.clock.advance(CredentialService.KEY_CACHE_TTL);
        f.store.deleteAssociation(association);
        f.store.deleteCluster("prod");

        assertThatThrownBy(() -> service.assume("prod", token(ServiceFixture.SIGNING_KEY)))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND))
                .hasMessageContaining("not registered");
    }
}
