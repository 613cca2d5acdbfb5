package dev.podidentity.domain;

/**
 * Every error the service can answer, with the wire name SDKs read from {@code X-Amzn-ErrorType}
 * and the HTTP status of that error shape in the EKS / EKS Auth models.
 */
public enum ErrorCode {
    INVALID_PARAMETER("InvalidParameterException", 400),
    INVALID_REQUEST("InvalidRequestException", 400),
    RESOURCE_LIMIT_EXCEEDED("ResourceLimitExceededException", 400),
    RESOURCE_NOT_FOUND("ResourceNotFoundException", 404),
    RESOURCE_IN_USE("ResourceInUseException", 409),
    /** Tag routes use these two instead of InvalidParameter / ResourceNotFound. */
    BAD_REQUEST("BadRequestException", 400),
    NOT_FOUND("NotFoundException", 404),
    /** Admin API: the caller may not do this (e.g. no iam:PassRole on the role). */
    ACCESS_DENIED("AccessDeniedException", 403),
    /** EKS Auth models AccessDeniedException as a 400. */
    AUTH_ACCESS_DENIED("AccessDeniedException", 400),
    INVALID_TOKEN("InvalidTokenException", 400),
    EXPIRED_TOKEN("ExpiredTokenException", 400),
    THROTTLING("ThrottlingException", 429),
    SERVICE_UNAVAILABLE("ServiceUnavailableException", 503),
    /** EKS's generic 500. */
    SERVER("ServerException", 500),
    /** EKS Auth's generic 500. */
    INTERNAL_SERVER("InternalServerException", 500);

    private final String wireName;
    private final int httpStatus;

    ErrorCode(String wireName, int httpStatus) {
        this.wireName = wireName;
        this.httpStatus = httpStatus;
    }

    public String wireName() {
        return wireName;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
