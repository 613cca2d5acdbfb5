package dev.podidentity.local.aws;

/** A request refused before it reaches a handler, with the status, error type and message AWS answers. */
public final class SigV4Exception extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a request was refused, with the error code each AWS protocol answers for it. */
    public enum Reason {
        MISSING_TOKEN("MissingAuthenticationTokenException", "MissingAuthenticationToken"),
        INCOMPLETE_SIGNATURE("IncompleteSignatureException", "IncompleteSignature"),
        INVALID_SIGNATURE("InvalidSignatureException", "SignatureDoesNotMatch"),
        UNRECOGNIZED_CLIENT("UnrecognizedClientException", "InvalidClientTokenId"),
        EXPIRED_TOKEN("ExpiredTokenException", "ExpiredToken");

        /** The error type of JSON protocols (API Gateway, EKS). */
        public final String jsonType;
        /** The error code of the AWS Query protocol (STS, IAM). */
        public final String queryCode;

        Reason(String jsonType, String queryCode) {
            this.jsonType = jsonType;
            this.queryCode = queryCode;
        }
    }

    private final int status;
    private final Reason reason;

    private SigV4Exception(Reason reason, String message) {
        super(message, null, false, false);
        this.status = 403;
        this.reason = reason;
    }

    public int status() {
        return status;
    }

    public Reason reason() {
        return reason;
    }

    /** The JSON protocols' error type ({@code X-Amzn-ErrorType}). */
    public String errorType() {
        return reason.jsonType;
    }

    static SigV4Exception missingToken() {
        return new SigV4Exception(Reason.MISSING_TOKEN, "Missing Authentication Token");
    }

    static SigV4Exception incomplete(String message) {
        return new SigV4Exception(Reason.INCOMPLETE_SIGNATURE, message);
    }

    static SigV4Exception invalid(String message) {
        return new SigV4Exception(Reason.INVALID_SIGNATURE, message);
    }

    static SigV4Exception unrecognized() {
        return new SigV4Exception(Reason.UNRECOGNIZED_CLIENT, "The security token included in the request is invalid.");
    }

    static SigV4Exception expired() {
        return new SigV4Exception(Reason.EXPIRED_TOKEN, "The security token included in the request is expired");
    }
}
