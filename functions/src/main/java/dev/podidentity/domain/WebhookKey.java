package dev.podidentity.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The secret in a cluster's admission webhook URL: 256 random bits, URL-safe base64 without padding. Only its
 * SHA-256 is stored; a presented key is compared by hash in constant time.
 */
public final class WebhookKey {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int BYTES = 32;
    /** Longer keys are refused before hashing (ours are 43 characters). */
    static final int MAX_CHARS = 128;

    private WebhookKey() {
    }

    public static String generate() {
        byte[] bytes = new byte[BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The stored form: lowercase hex SHA-256 of the key's UTF-8 bytes. */
    public static String hash(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }

    /** Whether {@code presented} is the key whose hash is {@code storedHash}; false for null or oversized input. */
    public static boolean matches(String presented, String storedHash) {
        if (presented == null || storedHash == null || presented.length() > MAX_CHARS) {
            return false;
        }
        byte[] expected;
        try {
            expected = HexFormat.of().parseHex(storedHash);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(sha256(presented), expected);
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
