package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.podidentity.config.Composition;
import dev.podidentity.domain.IssuedCredentials;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.handlers.Routes;
import dev.podidentity.service.CredentialService;
import dev.podidentity.testing.MovableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Key rotation: a newly registered key works as soon as a token names it (the keys are re-read, at most every
 * 5 s), and a removed key stops working at that re-read or when the 30 s key cache expires, whichever comes first.
 * Real store (dynalite), controlled clock.
 */
class KeyRotationTest {
    static final String ISSUER = "https://rotation.example";

    @Test
    void rotatedKeys_takeEffectWithinTheCacheWindow() {
        LocalStack stack = TestStack.get();
        Composition admin = Composition.from(stack.functionEnvironment(Routes.byOperation("RegisterCluster")));
        String cluster = TestStack.unique("rotation");
        RSAKey oldKey = Keys.rsa("old");
        RSAKey newKey = Keys.rsa("new");
        admin.clusters().register(cluster, ISSUER, new JWKSet(oldKey.toPublicJWK()).toString(), Map.of());
        admin.associations().create(new dev.podidentity.service.CreateAssociationRequest(cluster, "ns", "sa",
                TestStack.brokerTrustedRole(TestStack.unique("rot-role")), null, null, null, null, null),
                "arn:aws:iam::000000000000:user/admin");

        MovableClock clock = new MovableClock(Instant.now());
        IssuedCredentials fixed = new IssuedCredentials("ASIAROTATION", "s", "t", clock.instant().plusSeconds(3600),
                "arn:aws:sts::000000000000:assumed-role/r/s", "AROA:s");
        CredentialService service = new CredentialService(admin.store(), (b, p, arn) -> fixed, clock);

        assertThat(service.assume(cluster, token(oldKey, clock.instant())).credentials()).isEqualTo(fixed);

        admin.clusters().register(cluster, ISSUER, new JWKSet(List.of(newKey.toPublicJWK())).toString(), Map.of());
        clock.advance(Duration.ofSeconds(10));
        assertThat(service.assume(cluster, token(oldKey, clock.instant())).credentials())
                .as("within the 30 s cache window the old key still verifies").isEqualTo(fixed);
        assertThat(service.assume(cluster, token(newKey, clock.instant())).credentials())
                .as("a kid it does not know makes it re-read the keys at once").isEqualTo(fixed);
        clock.advance(Duration.ofSeconds(1));
        assertThatThrownBy(() -> service.assume(cluster, token(oldKey, clock.instant())))
                .as("after the re-read the removed key is gone").isInstanceOf(ServiceException.class)
                .hasMessageContaining("no key with kid 'old'");

        admin.clusters().register(cluster, ISSUER, new JWKSet(List.of(oldKey.toPublicJWK())).toString(), Map.of());
        clock.advance(Duration.ofSeconds(31));
        assertThatThrownBy(() -> service.assume(cluster, token(newKey, clock.instant())))
                .as("without any unknown kid, a removed key is gone once the cache expires")
                .isInstanceOf(ServiceException.class).hasMessageContaining("no key with kid 'new'");
    }

    static String token(RSAKey key, Instant now) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                    new JWTClaimsSet.Builder().issuer(ISSUER).subject("system:serviceaccount:ns:sa")
                            .audience("pods.eks.amazonaws.com").issueTime(Date.from(now))
                            .expirationTime(Date.from(now.plusSeconds(3600)))
                            .claim("kubernetes.io", Map.of("namespace", "ns", "pod", Map.of("name", "p", "uid", "u"),
                                    "serviceaccount", Map.of("name", "sa"))).build());
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
