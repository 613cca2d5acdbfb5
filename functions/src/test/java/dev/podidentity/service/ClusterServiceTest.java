package dev.podidentity.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.podidentity.domain.ServiceException;
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
}
