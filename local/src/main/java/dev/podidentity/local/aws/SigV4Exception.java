package dev.podidentity.local.aws;

/** A request refused before it reaches a handler, with the status, error type and message AWS answers. */
public final class SigV4Exception extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String errorType;

    public SigV4Exception(int status, String errorType, String message) {
        super(message, null, false, false);
        this.status = status;
        this.errorType = errorType;
    }

    public int status() {
        return status;
    }

    public String errorType() {
        return errorType;
    }

    static SigV4Exception missingToken() {
        return new SigV4Exception(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
    }

    static SigV4Exception incomplete(String message) {
        return new SigV4Exception(403, "IncompleteSignatureException", message);
    }

    static SigV4Exception invalid(String message) {
        return new SigV4Exception(403, "InvalidSignatureException", message);
    }

    static SigV4Exception unrecognized() {
        return new SigV4Exception(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
    }

    static SigV4Exception expired() {
        return new SigV4Exception(403, "ExpiredTokenException", "The security token included in the request is expired");
    }
}
