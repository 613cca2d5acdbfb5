package dev.podidentity.service;

import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.Text;

/** Checks on request members shared by the services. */
final class Requests {
    private Requests() {
    }

    static int maxResults(Integer requested, int max) {
        if (requested == null) {
            return max;
        }
        if (requested < 1 || requested > max) {
            throw ServiceException.invalidParameter("maxResults " + requested + " is out of range: use 1 to " + max);
        }
        return requested;
    }

    static String clientRequestToken(String token) {
        if (token == null) {
            return null;
        }
        if (token.isEmpty() || token.length() > 64 || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw ServiceException.invalidParameter("clientRequestToken '" + Text.printable(token)
                    + "' is invalid: use 1-64 printable ASCII characters without spaces (SDKs send a UUID)");
        }
        return token;
    }
}
