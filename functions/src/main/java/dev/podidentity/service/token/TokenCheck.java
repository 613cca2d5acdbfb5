package dev.podidentity.service.token;

import dev.podidentity.domain.ErrorCode;

/**
 * The checks {@link PodTokenVerifier} makes on a pod's token, in the order it makes them. A rejection names the
 * check that failed ({@link TokenRejectedException#reason()}), so callers decide on the check, never on a message;
 * the diagnosis reports one step per check.
 */
public enum TokenCheck {
    /** No token at all (the request, not the token, is wrong). */
    MISSING(ErrorCode.INVALID_PARAMETER),
    /** Too large, not a compact JWS, not a signed JWT, or claims that are not a JSON object. */
    MALFORMED(ErrorCode.INVALID_TOKEN),
    /** An algorithm outside the allow-list ({@code none} and HMAC never). */
    ALGORITHM(ErrorCode.INVALID_TOKEN),
    /** Header parameters that are never accepted ({@code jku}, {@code x5u}, {@code jwk}, {@code x5c}, {@code crit}) or no {@code kid}. */
    HEADER(ErrorCode.INVALID_TOKEN),
    /** The {@code kid} names no key of the cluster's registered JWKS (keys rotated, or another cluster's token). */
    UNKNOWN_KID(ErrorCode.INVALID_TOKEN),
    /** The signature does not verify with the registered key (or the key's type does not fit the algorithm). */
    SIGNATURE(ErrorCode.INVALID_TOKEN),
    ISSUER(ErrorCode.INVALID_TOKEN),
    AUDIENCE(ErrorCode.INVALID_TOKEN),
    /** Required claims: {@code exp}, {@code iat}, and {@code kubernetes.io} naming namespace, service account and pod. */
    CLAIMS(ErrorCode.INVALID_TOKEN),
    EXPIRED(ErrorCode.EXPIRED_TOKEN),
    /** {@code nbf} or {@code iat} in the future (beyond the allowed skew). */
    NOT_YET_VALID(ErrorCode.INVALID_TOKEN),
    /** {@code exp - iat} not positive, or longer than the allowed lifetime. */
    LIFETIME(ErrorCode.INVALID_TOKEN),
    /** {@code sub} disagrees with the {@code kubernetes.io} claims. */
    SUBJECT(ErrorCode.INVALID_TOKEN);

    private final ErrorCode code;

    TokenCheck(ErrorCode code) {
        this.code = code;
    }

    /** The error the API answers when this check fails. */
    public ErrorCode code() {
        return code;
    }
}
