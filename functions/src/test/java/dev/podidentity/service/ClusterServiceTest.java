package dev.podidentity.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.ClusterName;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.IpFamily;
import dev.podidentity.domain.PodTokenLifetime;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.WebhookKey;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClusterServiceTest {

    @Test
    void canonicalJwks_keepsPublicRsaAndEcKeys() throws Exception {
        var rsa = new RSAKeyGenerator(2048).keyID("r").generate().toPublicJWK();
        var ec = new ECKeyGenerator(Curve.P_256).keyID("e").generate().toPublicJWK();
        String jwks = ClusterService.canonicalJwks(new JWKSet(java.util.List.of(rsa, ec)).toString(true));
        assertThat(JWKSet.parse(jwks).getKeys()).hasSize(2);
    }

    @Test
    void canonicalJwks_refusesPrivateKeys_weakKeys_symmetricKeys_missingOrDuplicateKids() throws Exception {
        var rsaPrivate = new RSAKeyGenerator(2048).keyID("r").generate();
        assertThatThrownBy(() -> ClusterService.canonicalJwks(new JWKSet(rsaPrivate).toString(false)))
                .isInstanceOf(ServiceException.class).hasMessageContaining("private key material");
        var weak = new RSAKeyGenerator(1024, true).keyID("w").generate().toPublicJWK();
        assertThatThrownBy(() -> ClusterService.canonicalJwks(new JWKSet(weak).toString()))
                .hasMessageContaining("at least 2048");
        var oct = new OctetSequenceKeyGenerator(256).keyID("o").generate();
        assertThatThrownBy(() -> ClusterService.canonicalJwks(new JWKSet(oct).toString(false)))
                .isInstanceOf(ServiceException.class);
        var noKid = new RSAKeyGenerator(2048).generate().toPublicJWK();
        assertThatThrownBy(() -> ClusterService.canonicalJwks(new JWKSet(noKid).toString()))
                .hasMessageContaining("kid");
        var a = new RSAKeyGenerator(2048).keyID("same").generate().toPublicJWK();
        var b = new RSAKeyGenerator(2048).keyID("same").generate().toPublicJWK();
        assertThatThrownBy(() -> ClusterService.canonicalJwks(new JWKSet(java.util.List.of(a, b)).toString()))
                .hasMessageContaining("two keys");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{}", "{\"keys\":[]}", "[1]", "not json", "{\"keys\":\"x\"}"})
    void canonicalJwks_isInvalidParameter_forMalformedSets(String jwks) {
        assertThatThrownBy(() -> ClusterService.canonicalJwks(jwks)).isInstanceOf(ServiceException.class)
                .hasMessageContaining("jwks");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://kubernetes.default.svc", "https://oidc.eks.us-east-1.amazonaws.com/id/ABC", "k3s"})
    void validateIssuer_acceptsUrlsAndPlainIssuers(String issuer) {
        ClusterService.validateIssuer(issuer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "ftp://x", "https://a\u0000"})
    void validateIssuer_refusesBadIssuers(String issuer) {
        assertThatThrownBy(() -> ClusterService.validateIssuer(issuer)).isInstanceOf(ServiceException.class)
                .hasMessageContaining("issuer");
    }

    // ------------------------------------------- registration over the in-memory store: webhook key and lifetime

    static String jwks() {
        return new JWKSet(ServiceFixture.SIGNING_KEY.toPublicJWK()).toString();
    }

    @Test
    void register_returnsAWebhookKeyOnce_andKeepsItsHash_untilRotated() {
        ServiceFixture f = new ServiceFixture();

        ClusterService.Registration first = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, null, false);
        ClusterService.Registration again = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, null, false);
        ClusterService.Registration rotated = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, null, true);

        assertThat(first.webhookKey()).isNotBlank();
        assertThat(WebhookKey.matches(first.webhookKey(), first.cluster().webhookKeyHash())).isTrue();
        assertThat(again.webhookKey()).isNull();
        assertThat(again.cluster().webhookKeyHash()).isEqualTo(first.cluster().webhookKeyHash());
        assertThat(rotated.webhookKey()).isNotBlank().isNotEqualTo(first.webhookKey());
        assertThat(WebhookKey.matches(first.webhookKey(), f.store.findCluster("prod").orElseThrow().webhookKeyHash())).isFalse();
        assertThat(WebhookKey.matches(rotated.webhookKey(), f.store.findCluster("prod").orElseThrow().webhookKeyHash())).isTrue();
    }

    @Test
    void register_setsTheLifetimeOnlyWhenGiven_defaultingToAnHour() {
        ServiceFixture f = new ServiceFixture();

        Cluster created = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, null, false).cluster();
        Cluster set = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, 7200, false).cluster();
        Cluster kept = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), Map.of("team", "a"), null, false).cluster();

        assertThat(created.podTokenLifetimeSeconds()).isEqualTo(PodTokenLifetime.DEFAULT_SECONDS);
        assertThat(set.podTokenLifetimeSeconds()).isEqualTo(7200);
        assertThat(kept.podTokenLifetimeSeconds()).isEqualTo(7200);
        assertThat(kept.tags()).containsEntry("team", "a");
        assertThat(kept.version()).isEqualTo(created.version() + 2);
    }

    @ParameterizedTest
    @ValueSource(ints = {599, 3607, 172_801})
    void register_isInvalidParameter_andChangesNothing_forALifetimeOutOfBounds(int seconds) {
        ServiceFixture f = new ServiceFixture();
        Cluster before = f.cluster("prod");

        assertThatThrownBy(() -> f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, seconds, false))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                .hasMessageContaining("podTokenLifetimeSeconds");
        assertThat(f.clusters.describe("prod")).isEqualTo(before);
    }

    @Test
    void theReservedPrimingName_cannotBeRegisteredNorDeleted() {
        ServiceFixture f = new ServiceFixture();
        for (Runnable call : java.util.List.<Runnable>of(
                () -> f.clusters.register(ClusterName.RESERVED, ServiceFixture.ISSUER, jwks(), null),
                () -> f.clusters.delete(ClusterName.RESERVED))) {
            assertThatThrownBy(call::run)
                    .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                    .hasMessageContaining("'snapstart-priming' is reserved");
        }
        assertThat(f.store.findCluster(ClusterName.RESERVED)).isEmpty();
    }

    @Test
    void ipFamilyAndRegion_defaultToIpv4AndTheServicesRegion_andAreKeptWhenNotNamed() {
        ServiceFixture f = new ServiceFixture();
        Cluster created = f.cluster("prod");
        assertThat(created.ipFamily()).isEqualTo(IpFamily.IPV4);
        assertThat(created.region()).isEqualTo("us-east-1");
        f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, null, false, "ipv6", "eu-west-1");
        Cluster kept = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, null, false, null, null).cluster();
        assertThat(kept.ipFamily()).isEqualTo(IpFamily.IPV6);
        assertThat(kept.region()).isEqualTo("eu-west-1");
        for (String[] bad : new String[][] {{"ipv5", null}, {null, "mars-1"}, {"IPv6", null}}) {
            assertThatThrownBy(() -> f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, null, false, bad[0], bad[1]))
                    .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                    .hasMessageContaining(bad[0] != null ? "ipFamily" : "region");
        }
        assertThat(f.clusters.describe("prod")).isEqualTo(kept);
    }

    @Test
    void loweringTheLifetime_showsWhenItTakesFullEffect_andRaisingItClearsThat() {
        ServiceFixture f = new ServiceFixture();
        f.cluster("prod");
        Cluster lowered = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, 1200, false).cluster();
        assertThat(lowered.previousPodTokenLifetimeSeconds()).isEqualTo(3600);
        assertThat(lowered.podTokenLifetimeEffectiveAt()).isEqualTo(ServiceFixture.START.plusSeconds(3600 + 90));
        assertThat(lowered.acceptedPodTokenLifetimeSeconds(ServiceFixture.START.plusSeconds(3689))).isEqualTo(3600);
        assertThat(lowered.acceptedPodTokenLifetimeSeconds(ServiceFixture.START.plusSeconds(3690))).isEqualTo(1200);
        f.clock.advance(java.time.Duration.ofMinutes(10));
        Cluster again = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, 600, false).cluster();
        assertThat(again.previousPodTokenLifetimeSeconds()).as("still the highest accepted").isEqualTo(3600);
        assertThat(again.podTokenLifetimeEffectiveAt()).isEqualTo(ServiceFixture.START.plusSeconds(3600 + 90));
        Cluster raised = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, 7200, false).cluster();
        assertThat(raised.podTokenLifetimeEffectiveAt()).isNull();
        assertThat(raised.previousPodTokenLifetimeSeconds()).isZero();
    }
}
