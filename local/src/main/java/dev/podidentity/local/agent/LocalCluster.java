package dev.podidentity.local.agent;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A cluster that exists only in the local stack: it holds a service-account signing key (as a Kubernetes API
 * server does) and mints projected tokens shaped like real ones, so the whole pod path runs without Kubernetes.
 */
public final class LocalCluster {
    public static final String DEFAULT_NAME = "local";
    public static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

    private final String name;
    private final RSAKey key;

    private LocalCluster(String name, RSAKey key) {
        this.name = name;
        this.key = key;
    }

    /** A cluster with a new key, or with the key kept in {@code dataDir} (so its registration stays valid). */
    public static LocalCluster load(String name, Path dataDir) throws IOException {
        Path file = dataDir == null ? null : dataDir.resolve("cluster-" + name + "-key.json");
        try {
            if (file != null && Files.exists(file)) {
                return new LocalCluster(name, RSAKey.parse(Files.readString(file)));
            }
            RSAKey key = new RSAKeyGenerator(2048).keyID(name + "-" + UUID.randomUUID().toString().substring(0, 8)).generate();
            if (file != null) {
                Files.createDirectories(dataDir);
                Files.writeString(file, key.toJSONString());
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
            return new LocalCluster(name, key);
        } catch (JOSEException | ParseException e) {
            throw new IOException("cannot create or read the local cluster key", e);
        }
    }

    public String name() {
        return name;
    }

    /** The public keys, as {@code kubectl get --raw /openid/v1/jwks} would answer. */
    public String jwks() {
        return new JWKSet(key.toPublicJWK()).toString(true);
    }

    /** A projected service-account token for a pod, audience {@code pods.eks.amazonaws.com}. */
    public String mint(String namespace, String serviceAccount, String podName, String podUid, Duration lifetime) {
        return mint(namespace, serviceAccount, podName, podUid, Instant.now(), lifetime);
    }

    /** A token issued at {@code now} (tests use past instants for expired tokens). */
    public String mint(String namespace, String serviceAccount, String podName, String podUid, Instant now,
                       Duration lifetime) {
        return mint(namespace, serviceAccount, podName, podUid, now, lifetime, "pods.eks.amazonaws.com");
    }

    /** A token for another audience (e.g. the webhook-identities sync's {@code pod-identity.dev/webhook-sync}). */
    public String mint(String namespace, String serviceAccount, String podName, String podUid, Instant now,
                       Duration lifetime, String audience) {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject("system:serviceaccount:" + namespace + ":" + serviceAccount)
                .audience(List.of(audience))
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(UUID.randomUUID().toString())
                .claim("kubernetes.io", Map.of(
                        "namespace", namespace,
                        "node", Map.of("name", "local-node", "uid", "00000000-0000-0000-0000-000000000001"),
                        "pod", Map.of("name", podName, "uid", podUid),
                        "serviceaccount", Map.of("name", serviceAccount, "uid", UUID.nameUUIDFromBytes(
                                (namespace + "/" + serviceAccount).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString())))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(new RSASSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }
}
