package dev.podidentity.domain;

/**
 * A failure the caller is told about: its {@link ErrorCode} decides the wire name and HTTP status,
 * its message is shown to the caller as is, so it must say what to fix and never carry a secret.
 */
public class ServiceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public ServiceException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ServiceException(ErrorCode code, String message, Throwable cause) {
        super(message, cause, false, true);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public static ServiceException invalidParameter(String message) {
        return new ServiceException(ErrorCode.INVALID_PARAMETER, message);
    }

    public static ServiceException invalidRequest(String message) {
        return new ServiceException(ErrorCode.INVALID_REQUEST, message);
    }

    public static ServiceException notFound(String message) {
        return new ServiceException(ErrorCode.RESOURCE_NOT_FOUND, message);
    }

    public static ServiceException inUse(String message) {
        return new ServiceException(ErrorCode.RESOURCE_IN_USE, message);
    }

    public static ServiceException limitExceeded(String message) {
        return new ServiceException(ErrorCode.RESOURCE_LIMIT_EXCEEDED, message);
    }

    public static ServiceException clusterNotFound(String name) {
        return notFound("No cluster found for name: " + name + ".");
    }

    public static ServiceException associationNotFound(String cluster, String id) {
        return notFound("No pod identity association found with id " + id + " in cluster " + cluster + ".");
    }
}
