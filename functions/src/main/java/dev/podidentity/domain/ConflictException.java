package dev.podidentity.domain;

/** The stored item changed between read and write; the operation may be retried on a fresh read. */
public final class ConflictException extends ServiceException {
    private static final long serialVersionUID = 1L;

    public ConflictException(String message) {
        super(ErrorCode.RESOURCE_IN_USE, message);
    }
}
