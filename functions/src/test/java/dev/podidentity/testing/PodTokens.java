package dev.podidentity.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/** Projected service-account tokens as kube-apiserver mints them, signed with test keys. */
public final class PodTokens {
    public static final String AUDIENCE = "pods.eks.amazonaws.com";

    private PodTokens() {
    }

    /** A fresh 2048-bit RSA signing key with {@code kid}. */
    public static RSAKey rsaKey(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The claims of a token for pod {@code api-7d9f} of {@code namespace}/{@code serviceAccount}. */
    public static JWTClaimsSet.Builder claims(String issuer, String namespace, String serviceAccount, Instant issuedAt,
                                              Duration lifetime) {
        return new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject("system:serviceaccount:" + namespace + ":" + serviceAccount)
                .audience(List.of(AUDIENCE))
                .issueTime(Date.from(issuedAt))
                .notBeforeTime(Date.from(issuedAt))
                .expirationTime(Date.from(issuedAt.plus(lifetime)))
                .jwtID("6b2f0d1e")
                .claim("kubernetes.io", Map.of(
                        "namespace", namespace,
                        "node", Map.of("name", "node-1", "uid", "n-uid"),
                        "pod", Map.of("name", "api-7d9f", "uid", "p-uid"),
                        "serviceaccount", Map.of("name", serviceAccount, "uid", "sa-uid")));
    }

    /** Signs with RS256 under the key's kid, typed JWT. */
    public static String rs256(JWTClaimsSet claims, RSAKey key) {
        return sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(),
                claims, key);
    }

    public static String sign(JWSHeader header, JWTClaimsSet claims, RSAKey key) {
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
