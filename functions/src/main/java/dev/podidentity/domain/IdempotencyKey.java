package dev.podidentity.domain;

import java.time.Instant;

/**
 * A create request's {@code clientRequestToken} with the hash of the request it came with: a retry with the
 * same token and hash answers the original result; the same token with another hash is refused.
 */
public record IdempotencyKey(String token, String requestHash, Instant expiresAt) {
}
