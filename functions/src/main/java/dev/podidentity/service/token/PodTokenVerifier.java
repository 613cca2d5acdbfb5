package dev.podidentity.service.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.podidentity.domain.PodClaims;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.Subject;
import dev.podidentity.domain.Text;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies a pod's projected service-account token against its cluster's registered keys, as EKS Auth does:
 * algorithm allow-list (no {@code none}, no HMAC), key chosen by {@code kid} from the registered JWKS only (never
 * {@code jku}/{@code x5u}/{@code jwk}/{@code x5c}), issuer, audience, time claims with bounded skew and lifetime,
 * and a subject consistent with the {@code kubernetes.io} claims. Each check is a {@link TokenCheck}; a refusal is a
 * {@link TokenRejectedException} carrying it (expired tokens answer ExpiredTokenException, every other failure
 * InvalidTokenException). The broker ({@link #verify}) stops at the first failure; diagnosis ({@link #inspect}) runs
 * the same checks in the same order and reports each. The token itself is never put in a message.
 */
public final class PodTokenVerifier {
    public static final String AUDIENCE = "pods.eks.amazonaws.com";
    public static final int MAX_TOKEN_BYTES = 16 * 1024;
    public static final Duration SKEW = Duration.ofSeconds(60);
    /** Kubernetes issues pod identity tokens for 24 h by default; allow twice that, refuse anything longer. */
    static final Duration MAX_LIFETIME = Duration.ofHours(48);
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.PS256);
    private static final Set<String> FORBIDDEN_HEADERS = Set.of("jku", "x5u", "jwk", "x5c");

    private PodTokenVerifier() {
    }

    /**
     * Verifies {@code token} for a cluster with this issuer and key set at {@code now}; a refusal is a
     * {@link TokenRejectedException} naming the first check that failed.
     */
    public static PodClaims verify(String token, String issuer, JWKSet keys, Instant now) {
        return verify(token, issuer, keys, now, null);
    }

    /**
     * As {@link #verify(String, String, JWKSet, Instant)}, with the cluster's pod token lifetime limit: a token whose
     * {@code exp - iat} exceeds {@code maxLifetime} exactly (no skew: both come from the API server's clock) is
     * InvalidTokenException. Null applies the fixed ceiling of 48 hours.
     */
    public static PodClaims verify(String token, String issuer, JWKSet keys, Instant now, Duration maxLifetime) {
        return verify(token, issuer, keys, now, maxLifetime, AUDIENCE);
    }

    /**
     * As {@link #verify(String, String, JWKSet, Instant, Duration)}, for a token that must carry {@code audience}
     * instead of {@value #AUDIENCE} (another route's own audience, so a token meant for one route opens no other).
     */
    public static PodClaims verify(String token, String issuer, JWKSet keys, Instant now, Duration maxLifetime,
                                   String audience) {
        if (token == null || token.isEmpty()) {
            throw new TokenRejectedException(TokenCheck.MISSING, "token is required: the pod's projected service-account token");
        }
        Run run = new Run(true, audience);
        run(token, issuer, keys, now, maxLifetime, run);
        return run.pod;
    }

    /**
     * Runs every check on {@code token} without stopping at the first failure (for diagnosis): the same checks, in the
     * same order, as {@link #verify}, so the first failure here is exactly what {@link #verify} throws. Claims are
     * still read when the signature does not verify; they are reported, never trusted.
     */
    public static TokenInspection inspect(String token, String issuer, JWKSet keys, Instant now) {
        return inspect(token, issuer, keys, now, null);
    }

    /** As {@link #inspect(String, String, JWKSet, Instant)}, with the cluster's pod token lifetime limit. */
    public static TokenInspection inspect(String token, String issuer, JWKSet keys, Instant now, Duration maxLifetime) {
        if (token == null || token.isEmpty()) {
            throw new TokenRejectedException(TokenCheck.MISSING, "token is required: the pod's projected service-account token");
        }
        Run run = new Run(false, AUDIENCE);
        run(token, issuer, keys, now, maxLifetime, run);
        return new TokenInspection(run.outcomes, run.namespace, run.serviceAccount, run.pod);
    }

    private static void run(String token, String issuer, JWKSet keys, Instant now, Duration maxLifetime, Run run) {
        SignedJWT jwt = null;
        JWTClaimsSet claims = null;
        if (token.length() > MAX_TOKEN_BYTES) {
            run.fail(TokenCheck.MALFORMED, invalid("the token is larger than " + MAX_TOKEN_BYTES + " bytes"));
        } else if (token.chars().filter(c -> c == '.').count() != 2) {
            run.fail(TokenCheck.MALFORMED, invalid("the token is not a compact JWS (three base64url parts separated by dots)"));
        } else {
            try {
                jwt = SignedJWT.parse(token);
                claims = jwt.getJWTClaimsSet();
            } catch (ParseException e) {
                run.fail(TokenCheck.MALFORMED, invalid(jwt == null ? "the token is not a signed JWT"
                        : "the token's claims are not a JSON object"));
            }
        }
        if (jwt == null || claims == null) {
            run.skipAll(TokenCheck.MALFORMED, "the token cannot be read");
            return;
        }
        JWSHeader header = jwt.getHeader();
        run.pass(TokenCheck.MALFORMED, "a signed JWT");

        JWSAlgorithm alg = header.getAlgorithm();
        boolean algorithmAccepted = ALGORITHMS.contains(alg);
        if (algorithmAccepted) {
            run.pass(TokenCheck.ALGORITHM, "algorithm " + alg);
        } else {
            run.fail(TokenCheck.ALGORITHM, invalid("algorithm " + alg
                    + " is not accepted (use RS256, RS384, RS512, ES256, ES384 or PS256)"));
        }

        String kid = header.getKeyID();
        String headerProblem = headerProblem(header, kid);
        if (headerProblem == null) {
            run.pass(TokenCheck.HEADER, "no key-source or critical parameters; kid '" + Text.printable(kid) + "'");
        } else {
            run.fail(TokenCheck.HEADER, invalid(headerProblem));
        }

        JWK key = kid == null || kid.isEmpty() ? null : keys.getKeyByKeyId(kid);
        if (kid == null || kid.isEmpty()) {
            run.skip(TokenCheck.UNKNOWN_KID, "the token header has no 'kid'");
        } else if (key == null) {
            run.fail(TokenCheck.UNKNOWN_KID, invalid("no key with kid '" + Text.printable(kid) + "' is registered for this cluster"));
        } else {
            run.pass(TokenCheck.UNKNOWN_KID, "kid '" + Text.printable(kid) + "' is a registered key");
        }

        if (!algorithmAccepted || key == null) {
            run.skip(TokenCheck.SIGNATURE, !algorithmAccepted ? "the algorithm is not accepted" : "no registered key to verify with");
        } else {
            checkSignature(jwt, alg, key, run);
        }

        checkClaims(claims, issuer, now, maxLifetime, run);
    }

    private static String headerProblem(JWSHeader header, String kid) {
        for (String name : header.getIncludedParams()) {
            if (FORBIDDEN_HEADERS.contains(name)) {
                return "header parameter '" + name + "' is not accepted: keys come from the registered JWKS only";
            }
        }
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            return "critical header parameters " + header.getCriticalParams() + " are not understood";
        }
        if (kid == null || kid.isEmpty()) {
            return "the token header has no 'kid'";
        }
        return null;
    }

    private static void checkSignature(SignedJWT jwt, JWSAlgorithm alg, JWK key, Run run) {
        String kid = Text.printable(key.getKeyID());
        JWSVerifier verifier;
        if (JWSAlgorithm.Family.RSA.contains(alg) && key instanceof RSAKey rsa) {
            try {
                verifier = new RSASSAVerifier(rsa);
            } catch (JOSEException e) {
                verifier = null;
            }
        } else if (JWSAlgorithm.Family.EC.contains(alg) && key instanceof ECKey ec) {
            try {
                verifier = new ECDSAVerifier(ec);
            } catch (JOSEException e) {
                verifier = null;
            }
        } else {
            run.fail(TokenCheck.SIGNATURE, invalid("algorithm " + alg + " does not match the type of key '" + kid
                    + "' (" + key.getKeyType() + ")"));
            return;
        }
        try {
            if (verifier != null && jwt.verify(verifier)) {
                run.pass(TokenCheck.SIGNATURE, "verifies with the registered key '" + kid + "'");
            } else if (verifier == null) {
                run.fail(TokenCheck.SIGNATURE, invalid("the signature cannot be verified with the registered key '" + kid + "'"));
            } else {
                run.fail(TokenCheck.SIGNATURE, invalid("the signature does not verify with the registered key '" + kid + "'"));
            }
        } catch (JOSEException e) {
            run.fail(TokenCheck.SIGNATURE, invalid("the signature cannot be verified with the registered key '" + kid + "'"));
        }
    }

    private static void checkClaims(JWTClaimsSet claims, String issuer, Instant now, Duration maxLifetime, Run run) {
        if (issuer.equals(claims.getIssuer())) {
            run.pass(TokenCheck.ISSUER, "issuer '" + Text.printable(issuer) + "' is the registered issuer");
        } else {
            run.fail(TokenCheck.ISSUER, invalid("issuer '" + Text.printable(claims.getIssuer())
                    + "' is not the cluster's registered issuer"));
        }
        List<String> audience = claims.getAudience();
        if (audience != null && audience.contains(run.audience)) {
            run.pass(TokenCheck.AUDIENCE, "audience includes " + run.audience);
        } else {
            run.fail(TokenCheck.AUDIENCE, invalid("audience must include " + run.audience));
        }

        Instant exp = instant(claims.getExpirationTime());
        Instant iat = instant(claims.getIssueTime());
        Subject subject = null;
        String claimsProblem = exp == null ? "the token has no 'exp' claim" : iat == null ? "the token has no 'iat' claim" : null;
        Map<String, Object> k8s;
        try {
            k8s = claims.getJSONObjectClaim("kubernetes.io");
        } catch (ParseException e) {
            k8s = null;
        }
        if (k8s == null) {
            claimsProblem = claimsProblem != null ? claimsProblem : "the token has no kubernetes.io claims";
        } else {
            String namespace = string(k8s.get("namespace"));
            String serviceAccount = string(nested(k8s, "serviceaccount").get("name"));
            Map<String, Object> pod = nested(k8s, "pod");
            String podName = string(pod.get("name"));
            String podUid = string(pod.get("uid"));
            String k8sProblem = null;
            if (namespace == null || serviceAccount == null) {
                k8sProblem = "the kubernetes.io claims name no namespace or service account";
            } else {
                run.namespace = namespace;
                run.serviceAccount = serviceAccount;
                try {
                    subject = new Subject(namespace, serviceAccount);
                } catch (ServiceException e) {
                    k8sProblem = "the kubernetes.io claims are malformed: " + e.getMessage();
                }
                if (k8sProblem == null && (podName == null || podName.isEmpty() || podUid == null || podUid.isEmpty())) {
                    k8sProblem = "the token is not bound to a pod (kubernetes.io.pod name and uid are required)";
                }
            }
            claimsProblem = claimsProblem != null ? claimsProblem : k8sProblem;
            if (claimsProblem == null) {
                run.podName = podName;
                run.podUid = podUid;
            }
        }
        if (claimsProblem == null) {
            run.pass(TokenCheck.CLAIMS, "exp, iat and kubernetes.io claims for pod '" + Text.printable(run.podName) + "'");
        } else {
            run.fail(TokenCheck.CLAIMS, invalid(claimsProblem));
        }

        if (exp == null) {
            run.skip(TokenCheck.EXPIRED, "the token has no 'exp' claim");
        } else if (now.isAfter(exp.plus(SKEW))) {
            run.fail(TokenCheck.EXPIRED, "The token expired at " + exp);
        } else {
            run.pass(TokenCheck.EXPIRED, "expires at " + exp);
        }

        Date nbfDate = claims.getNotBeforeTime();
        if (iat != null && iat.isAfter(now.plus(SKEW))) {
            run.fail(TokenCheck.NOT_YET_VALID, invalid("the token is issued in the future (iat " + iat + ")"));
        } else if (nbfDate != null && nbfDate.toInstant().isAfter(now.plus(SKEW))) {
            run.fail(TokenCheck.NOT_YET_VALID, invalid("the token is not valid before " + nbfDate.toInstant()));
        } else if (iat == null) {
            run.skip(TokenCheck.NOT_YET_VALID, "the token has no 'iat' claim");
        } else {
            run.pass(TokenCheck.NOT_YET_VALID, "issued at " + iat + (nbfDate == null ? "" : ", valid from " + nbfDate.toInstant()));
        }

        if (exp == null || iat == null) {
            run.skip(TokenCheck.LIFETIME, "the token lacks 'exp' or 'iat'");
        } else {
            String lifetimeProblem = lifetimeProblem(iat, exp, maxLifetime);
            if (lifetimeProblem == null) {
                run.pass(TokenCheck.LIFETIME, "lifetime " + Duration.between(iat, exp));
            } else {
                run.fail(TokenCheck.LIFETIME, invalid(lifetimeProblem));
            }
        }

        if (subject == null) {
            run.skip(TokenCheck.SUBJECT, "the kubernetes.io claims name no valid service account");
        } else if (!subject.tokenSubject().equals(claims.getSubject())) {
            run.fail(TokenCheck.SUBJECT, invalid("subject '" + Text.printable(claims.getSubject())
                    + "' does not match the kubernetes.io claims"));
        } else {
            run.pass(TokenCheck.SUBJECT, "subject " + subject.tokenSubject());
        }
        if (!run.failed) {
            run.pod = new PodClaims(subject.namespace(), subject.serviceAccount(), run.podName, run.podUid, run.audience);
        }
    }

    /**
     * The lifetime rule: null when {@code exp - iat} is acceptable, else what is wrong with it. With the cluster's
     * limit the comparison is exact (no skew: both claims come from the API server's clock); without one, the fixed
     * 48-hour ceiling applies.
     */
    private static String lifetimeProblem(Instant iat, Instant exp, Duration maxLifetime) {
        if (!exp.isAfter(iat)) {
            return "the token expires before it is issued";
        }
        Duration lifetime = Duration.between(iat, exp);
        if (maxLifetime == null && lifetime.compareTo(MAX_LIFETIME) > 0) {
            return "the token's lifetime exceeds " + MAX_LIFETIME.toHours() + " hours";
        }
        if (maxLifetime != null && lifetime.compareTo(maxLifetime) > 0) {
            return "the token's lifetime (exp - iat) is " + lifetime.toSeconds() + " seconds, more than the cluster's"
                    + " limit of " + maxLifetime.toSeconds() + " seconds: project pod tokens with expirationSeconds <= "
                    + maxLifetime.toSeconds() + ", or raise the limit by registering the cluster again"
                    + " (PUT /clusters/{name}) with podTokenLifetimeSeconds";
        }
        return null;
    }

    /** One pass over the checks: collecting every outcome (diagnosis), or throwing at the first failure (broker). */
    private static final class Run {
        final boolean failFast;
        final String audience;
        final List<TokenInspection.Outcome> outcomes = new ArrayList<>();
        boolean failed;
        String namespace;
        String serviceAccount;
        String podName;
        String podUid;
        PodClaims pod;

        Run(boolean failFast, String audience) {
            this.failFast = failFast;
            this.audience = audience;
        }

        void pass(TokenCheck check, String detail) {
            if (!failFast) {
                outcomes.add(new TokenInspection.Outcome(check, TokenInspection.Status.PASS, detail, null));
            }
        }

        void fail(TokenCheck check, String message) {
            TokenRejectedException e = new TokenRejectedException(check, message);
            if (failFast) {
                throw e;
            }
            failed = true;
            outcomes.add(new TokenInspection.Outcome(check, TokenInspection.Status.FAIL, message, e));
        }

        void skip(TokenCheck check, String why) {
            failed = true;
            if (!failFast) {
                outcomes.add(new TokenInspection.Outcome(check, TokenInspection.Status.SKIP, why, null));
            }
        }

        /** Skips every check after {@code failed}. */
        void skipAll(TokenCheck after, String why) {
            for (TokenCheck c : TokenCheck.values()) {
                if (c.ordinal() > after.ordinal()) {
                    skip(c, why);
                }
            }
        }
    }

    private static Instant instant(Date date) {
        return date == null ? null : date.toInstant();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> nested(Map<String, Object> parent, String name) {
        Object v = parent.get(name);
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String string(Object v) {
        return v instanceof String s ? s : null;
    }

    private static String invalid(String check) {
        return "The token is invalid: " + check;
    }
}
