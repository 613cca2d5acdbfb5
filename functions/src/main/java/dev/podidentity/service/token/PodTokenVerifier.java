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
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.PodClaims;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.Subject;
import dev.podidentity.domain.Text;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies a pod's projected service-account token against its cluster's registered keys, as EKS Auth does:
 * algorithm allow-list (no {@code none}, no HMAC), key chosen by {@code kid} from the registered JWKS only (never
 * {@code jku}/{@code x5u}/{@code jwk}/{@code x5c}), issuer, audience, time claims with bounded skew and lifetime,
 * and a subject consistent with the {@code kubernetes.io} claims. Expired tokens are ExpiredTokenException; every
 * other failure is InvalidTokenException naming the check. The token itself is never put in a message.
 */
public final class PodTokenVerifier {
    public static final String AUDIENCE = "pods.eks.amazonaws.com";
    public static final int MAX_TOKEN_BYTES = 16 * 1024;
    static final Duration SKEW = Duration.ofSeconds(60);
    /** Kubernetes issues pod identity tokens for 24 h by default; allow twice that, refuse anything longer. */
    static final Duration MAX_LIFETIME = Duration.ofHours(48);
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.PS256);
    private static final Set<String> FORBIDDEN_HEADERS = Set.of("jku", "x5u", "jwk", "x5c");

    private PodTokenVerifier() {
    }

    /** Verifies {@code token} for a cluster with this issuer and key set at {@code now}. */
    public static PodClaims verify(String token, String issuer, JWKSet keys, Instant now) {
        return verify(token, issuer, keys, now, null);
    }

    /**
     * As {@link #verify(String, String, JWKSet, Instant)}, with the cluster's pod token lifetime limit: a token whose
     * {@code exp - iat} exceeds {@code maxLifetime} exactly (no skew: both come from the API server's clock) is
     * InvalidTokenException. Null applies the fixed ceiling of 48 hours.
     */
    public static PodClaims verify(String token, String issuer, JWKSet keys, Instant now, Duration maxLifetime) {
        if (token == null || token.isEmpty()) {
            throw ServiceException.invalidParameter("token is required: the pod's projected service-account token");
        }
        if (token.length() > MAX_TOKEN_BYTES) {
            throw invalid("the token is larger than " + MAX_TOKEN_BYTES + " bytes");
        }
        if (token.chars().filter(c -> c == '.').count() != 2) {
            throw invalid("the token is not a compact JWS (three base64url parts separated by dots)");
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw invalid("the token is not a signed JWT");
        }
        JWSHeader header = jwt.getHeader();
        if (!ALGORITHMS.contains(header.getAlgorithm())) {
            throw invalid("algorithm " + header.getAlgorithm() + " is not accepted (use RS256, RS384, RS512, ES256, ES384 or PS256)");
        }
        for (String name : header.getIncludedParams()) {
            if (FORBIDDEN_HEADERS.contains(name)) {
                throw invalid("header parameter '" + name + "' is not accepted: keys come from the registered JWKS only");
            }
        }
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            throw invalid("critical header parameters " + header.getCriticalParams() + " are not understood");
        }
        String kid = header.getKeyID();
        if (kid == null || kid.isEmpty()) {
            throw invalid("the token header has no 'kid'");
        }
        JWK key = keys.getKeyByKeyId(kid);
        if (key == null) {
            throw invalid("no key with kid '" + Text.printable(kid) + "' is registered for this cluster");
        }
        try {
            if (!jwt.verify(verifier(header.getAlgorithm(), key))) {
                throw invalid("the signature does not verify with the registered key '" + Text.printable(kid) + "'");
            }
        } catch (JOSEException e) {
            throw invalid("the signature cannot be verified with the registered key '" + Text.printable(kid) + "'");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw invalid("the token's claims are not a JSON object");
        }
        return checkClaims(claims, issuer, now, maxLifetime);
    }

    private static JWSVerifier verifier(JWSAlgorithm alg, JWK key) throws JOSEException {
        if (JWSAlgorithm.Family.RSA.contains(alg) && key instanceof RSAKey rsa) {
            return new RSASSAVerifier(rsa);
        }
        if (JWSAlgorithm.Family.EC.contains(alg) && key instanceof ECKey ec) {
            return new ECDSAVerifier(ec);
        }
        throw invalid("algorithm " + alg + " does not match the type of key '" + key.getKeyID() + "' (" + key.getKeyType() + ")");
    }

    private static PodClaims checkClaims(JWTClaimsSet claims, String issuer, Instant now, Duration maxLifetime) {
        if (!issuer.equals(claims.getIssuer())) {
            throw invalid("issuer '" + Text.printable(claims.getIssuer()) + "' is not the cluster's registered issuer");
        }
        List<String> audience = claims.getAudience();
        if (audience == null || !audience.contains(AUDIENCE)) {
            throw invalid("audience must include " + AUDIENCE);
        }
        Instant exp = instant(claims.getExpirationTime(), "exp");
        Instant iat = instant(claims.getIssueTime(), "iat");
        Date nbfDate = claims.getNotBeforeTime();
        if (now.isAfter(exp.plus(SKEW))) {
            throw new ServiceException(ErrorCode.EXPIRED_TOKEN, "The token expired at " + exp);
        }
        if (iat.isAfter(now.plus(SKEW))) {
            throw invalid("the token is issued in the future (iat " + iat + ")");
        }
        if (nbfDate != null && nbfDate.toInstant().isAfter(now.plus(SKEW))) {
            throw invalid("the token is not valid before " + nbfDate.toInstant());
        }
        if (!exp.isAfter(iat)) {
            throw invalid("the token expires before it is issued");
        }
        if (maxLifetime == null && Duration.between(iat, exp).compareTo(MAX_LIFETIME) > 0) {
            throw invalid("the token's lifetime exceeds " + MAX_LIFETIME.toHours() + " hours");
        }
        if (maxLifetime != null && Duration.between(iat, exp).compareTo(maxLifetime) > 0) {
            throw invalid("the token's lifetime (exp - iat) is " + Duration.between(iat, exp).toSeconds()
                    + " seconds, more than the cluster's limit of " + maxLifetime.toSeconds() + " seconds: project pod"
                    + " tokens with expirationSeconds <= " + maxLifetime.toSeconds() + ", or raise the limit by"
                    + " registering the cluster again (PUT /clusters/{name}) with podTokenLifetimeSeconds");
        }
        Map<String, Object> k8s;
        try {
            k8s = claims.getJSONObjectClaim("kubernetes.io");
        } catch (ParseException e) {
            k8s = null;
        }
        if (k8s == null) {
            throw invalid("the token has no kubernetes.io claims");
        }
        String namespace = string(k8s.get("namespace"));
        String serviceAccount = string(nested(k8s, "serviceaccount").get("name"));
        Map<String, Object> pod = nested(k8s, "pod");
        String podName = string(pod.get("name"));
        String podUid = string(pod.get("uid"));
        if (namespace == null || serviceAccount == null) {
            throw invalid("the kubernetes.io claims name no namespace or service account");
        }
        if (podName == null || podName.isEmpty() || podUid == null || podUid.isEmpty()) {
            throw invalid("the token is not bound to a pod (kubernetes.io.pod name and uid are required)");
        }
        Subject subject;
        try {
            subject = new Subject(namespace, serviceAccount);
        } catch (ServiceException e) {
            throw invalid("the kubernetes.io claims are malformed: " + e.getMessage());
        }
        if (!subject.tokenSubject().equals(claims.getSubject())) {
            throw invalid("subject '" + Text.printable(claims.getSubject()) + "' does not match the kubernetes.io claims");
        }
        return new PodClaims(namespace, serviceAccount, podName, podUid, AUDIENCE);
    }

    private static Instant instant(Date date, String claim) {
        if (date == null) {
            throw invalid("the token has no '" + claim + "' claim");
        }
        return date.toInstant();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> nested(Map<String, Object> parent, String name) {
        Object v = parent.get(name);
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String string(Object v) {
        return v instanceof String s ? s : null;
    }

    private static ServiceException invalid(String check) {
        return new ServiceException(ErrorCode.INVALID_TOKEN, "The token is invalid: " + check);
    }
}
