package dev.podidentity.service.token;

import dev.podidentity.domain.PodClaims;
import java.util.List;
import java.util.Optional;

/**
 * Every check of {@link PodTokenVerifier} on one token, in the verifier's order: each passed, failed (with the
 * rejection the broker would answer) or was skipped because what it needs is unavailable.
 *
 * @param outcomes  one per check, MISSING excepted
 * @param namespace the namespace the token's claims name (even when other checks failed), or null
 * @param serviceAccount the service account the token's claims name, or null
 * @param pod       the verified claims, when every check passed
 */
public record TokenInspection(List<Outcome> outcomes, String namespace, String serviceAccount, PodClaims pod) {

    public enum Status { PASS, FAIL, SKIP }

    /** One check's outcome; {@code failure} is set when it failed, {@code detail} says why it passed or was skipped. */
    public record Outcome(TokenCheck check, Status status, String detail, TokenRejectedException failure) {
    }

    public TokenInspection {
        outcomes = List.copyOf(outcomes);
    }

    /** The rejection the broker answers for this token: the first failed check. */
    public Optional<TokenRejectedException> firstFailure() {
        return outcomes.stream().filter(o -> o.status() == Status.FAIL).map(Outcome::failure).findFirst();
    }
}
