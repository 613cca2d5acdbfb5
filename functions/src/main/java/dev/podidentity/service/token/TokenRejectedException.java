package dev.podidentity.service.token;

import dev.podidentity.domain.ServiceException;

/** A token refused by one named check; the message says what is wrong and never carries the token. */
public final class TokenRejectedException extends ServiceException {
    private static final long serialVersionUID = 1L;
    private final TokenCheck reason;

    public TokenRejectedException(TokenCheck reason, String message) {
        super(reason.code(), message);
        this.reason = reason;
    }

    public TokenCheck reason() {
        return reason;
    }
}
