package dev.podidentity.service;

import dev.podidentity.domain.ServiceException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque {@code nextToken}s: the position to resume from, bound to the listing it came from (operation, cluster,
 * filters) and sealed with an HMAC, so a token that was altered or belongs to another listing is refused with 400.
 */
public final class PageTokens {
    private static final int MAC_BYTES = 16;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final byte[] key;

    public PageTokens(byte[] key) {
        this.key = key.clone();
    }

    /** {@code scope} names the listing (e.g. operation, cluster and filters); {@code position} is where to resume. */
    public String encode(String scope, String position) {
        byte[] payload = position.getBytes(StandardCharsets.UTF_8);
        byte[] mac = mac(scope, payload);
        byte[] token = Arrays.copyOf(payload, payload.length + MAC_BYTES);
        System.arraycopy(mac, 0, token, payload.length, MAC_BYTES);
        return ENCODER.encodeToString(token);
    }

    /** The position a token resumes from; InvalidParameter when it is malformed, altered or of another listing. */
    public String decode(String scope, String token) {
        byte[] raw;
        try {
            raw = DECODER.decode(token);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        if (raw.length <= MAC_BYTES || token.length() > 2048) {
            throw invalid();
        }
        byte[] payload = Arrays.copyOf(raw, raw.length - MAC_BYTES);
        byte[] mac = Arrays.copyOfRange(raw, raw.length - MAC_BYTES, raw.length);
        if (!MessageDigest.isEqual(mac, mac(scope, payload))) {
            throw invalid();
        }
        return new String(payload, StandardCharsets.UTF_8);
    }

    private static ServiceException invalid() {
        return ServiceException.invalidParameter(
                "nextToken is invalid: pass the nextToken of the previous response unchanged, with the same filters");
    }

    private byte[] mac(String scope, byte[] payload) {
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(key, "HmacSHA256"));
            hmac.update(scope.getBytes(StandardCharsets.UTF_8));
            hmac.update((byte) 0);
            hmac.update(payload);
            return Arrays.copyOf(hmac.doFinal(), MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
