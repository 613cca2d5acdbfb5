package dev.podidentity.local;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import dev.podidentity.testing.PodTokens;

/** Signing keys for test clusters. */
public final class Keys {
    private Keys() {
    }

    public static RSAKey rsa(String kid) {
        return PodTokens.rsaKey(kid);
    }

    public static String rsaJwks(String kid) {
        return new JWKSet(rsa(kid).toPublicJWK()).toString(true);
    }
}
