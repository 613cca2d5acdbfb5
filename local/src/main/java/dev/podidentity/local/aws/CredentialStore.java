package dev.podidentity.local.aws;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Every access key the local stack knows: users' long-term keys and temporary session credentials. */
public final class CredentialStore {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();
    private static final char[] SECRET_CHARS =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".toCharArray();

    private final Map<String, Principal.Credentials> byAccessKey = new ConcurrentHashMap<>();

    public Optional<Principal.Credentials> find(String accessKeyId) {
        return Optional.ofNullable(byAccessKey.get(accessKeyId));
    }

    public Principal.Credentials addLongTerm(String accessKeyId, String secret, Principal principal) {
        Principal.Credentials c = new Principal.Credentials(accessKeyId, secret, null, null, principal);
        byAccessKey.put(accessKeyId, c);
        return c;
    }

    public Principal.Credentials newLongTerm(Principal principal) {
        return addLongTerm("AKIA" + random(KEY_CHARS, 16), random(SECRET_CHARS, 40), principal);
    }

    public Principal.Credentials newSession(Principal principal, Instant expiration) {
        String token = "IQoJb3JpZ2luX2VjE" + random(SECRET_CHARS, 300);
        Principal.Credentials c = new Principal.Credentials("ASIA" + random(KEY_CHARS, 16), random(SECRET_CHARS, 40),
                token, expiration, principal);
        byAccessKey.put(c.accessKeyId(), c);
        return c;
    }

    /** The long-term (user) keys of an IAM user. */
    public java.util.List<Principal.Credentials> longTermKeysOf(String userArn) {
        return byAccessKey.values().stream()
                .filter(c -> c.sessionToken() == null && c.principal().arn().equals(userArn)).toList();
    }

    /** Revokes every key of a user, or every session of a role (a session's own ARN is its assumed-role ARN). */
    public void removeFor(String entityArn) {
        byAccessKey.values().removeIf(c -> c.principal().entityArn().equals(entityArn));
    }

    /** Random characters of {@code alphabet} (a power-of-two size: 32 or 64), from one call to the CSPRNG. */
    public static String random(char[] alphabet, int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = alphabet[(bytes[i] & 0xff) % alphabet.length];
        }
        return new String(out);
    }

    public static String randomId(String prefix) {
        return prefix + random(KEY_CHARS, 17);
    }
}
