package dev.podidentity.service.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.PodClaims;
import dev.podidentity.testing.PodTokens;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Token checks, table-driven: every rejection with its error, and real-shaped RS256 and ES256 tokens accepted. */
class PodTokenVerifierTest {
    static final String ISSUER = "https://oidc.example/cluster";
    static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    // generated once per JVM, not per test run: mutation testing runs single tests thousands of times
    static final RSAKey rsa = PodTokens.rsaKey("rsa-1");
    static final ECKey ec = ecKey("ec-1");
    static final RSAKey otherCluster = PodTokens.rsaKey("other");
    static final JWKSet keys = new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK()));

    static ECKey ecKey(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static JWTClaimsSet.Builder claims() {
        return PodTokens.claims(ISSUER, "payments", "api", NOW.minusSeconds(60), Duration.ofHours(23).plusSeconds(60));
    }

    static String rs256(JWTClaimsSet claims) {
        return PodTokens.rs256(claims, rsa);
    }

    static String sign(JWSHeader header, JWTClaimsSet claims, RSAKey key) {
        return PodTokens.sign(header, claims, key);
    }

    static PodClaims verify(String token) {
        return PodTokenVerifier.verify(token, ISSUER, keys, NOW);
    }

    @Test
    void theClustersLifetimeLimit_acceptsATokenAtTheLimit_andRefusesOneSecondMore_withoutSkew() {
        Instant iat = NOW.minusSeconds(30);
        String atLimit = rs256(claims().issueTime(Date.from(iat)).expirationTime(Date.from(iat.plusSeconds(3600))).build());
        String over = rs256(claims().issueTime(Date.from(iat)).expirationTime(Date.from(iat.plusSeconds(3601))).build());
        assertThat(PodTokenVerifier.verify(atLimit, ISSUER, keys, NOW, Duration.ofSeconds(3600)).serviceAccount()).isEqualTo("api");
        assertThatThrownBy(() -> PodTokenVerifier.verify(over, ISSUER, keys, NOW, Duration.ofSeconds(3600)))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TOKEN);
                    assertThat(e.reason()).isEqualTo(TokenCheck.LIFETIME);
                })
                .hasMessageContaining("3601 seconds").hasMessageContaining("limit of 3600 seconds")
                .hasMessageContaining("podTokenLifetimeSeconds");
        // a 23 h token (the fixed 48 h ceiling accepts it) is refused by a cluster limit of one day minus one second
        String day = rs256(claims().build());
        assertThat(verify(day).namespace()).isEqualTo("payments");
        assertThatThrownBy(() -> PodTokenVerifier.verify(day, ISSUER, keys, NOW, Duration.ofSeconds(23 * 3600 + 59)))
                .hasMessageContaining("more than the cluster's limit");
    }

    @Test
    void accepts_anRs256TokenShapedLikeAProjectedServiceAccountToken() {
        PodClaims claims = verify(rs256(claims().build()));
        assertThat(claims).isEqualTo(new PodClaims("payments", "api", "api-7d9f", "p-uid", "pods.eks.amazonaws.com"));
    }

    @Test
    void accepts_anEs256Token_andAnAudienceListWithOtherMembers() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(),
                claims().audience(List.of("sts.amazonaws.com", "pods.eks.amazonaws.com")).build());
        jwt.sign(new ECDSASigner(ec));
        assertThat(verify(jwt.serialize()).serviceAccount()).isEqualTo("api");
    }

    @Test
    void accepts_clockSkewWithinSixtySeconds() {
        assertThat(verify(rs256(claims().expirationTime(Date.from(NOW.minusSeconds(59))).build()))).isNotNull();
        assertThat(verify(rs256(claims().issueTime(Date.from(NOW.plusSeconds(59))).build()))).isNotNull();
    }

    /** Signed once per JVM: mutation testing runs these tests once per mutant. */
    static final List<Arguments> REJECTIONS = rejectionCases();

    static Stream<Arguments> rejections() {
        return REJECTIONS.stream();
    }

    static List<Arguments> rejectionCases() {
        try {
            return rejectionCaseStream().toList();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> rejectionCaseStream() throws Exception {
        String good = rs256(claims().build());
        String[] parts = good.split("\\.");
        JWSHeader rsHeader = new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build();
        String payloadAltered = parts[0] + "." + Base64URL.encode(claims().subject("system:serviceaccount:payments:admin")
                .claim("kubernetes.io", Map.of("namespace", "payments", "pod", Map.of("name", "p", "uid", "u"),
                        "serviceaccount", Map.of("name", "admin"))).build().toString()) + "." + parts[2];
        byte[] sig = Base64.getUrlDecoder().decode(parts[2]);
        sig[10] ^= 1;
        String signatureAltered = parts[0] + "." + parts[1] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
        String none = b64("{\"alg\":\"none\",\"kid\":\"rsa-1\"}") + "." + parts[1] + ".";
        SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), claims().build());
        hs.sign(new MACSigner(rsa.toPublicJWK().toRSAPublicKey().getEncoded()));
        return Stream.of(
                Arguments.of("alg none", TokenCheck.MALFORMED, none, ErrorCode.INVALID_TOKEN, "signed JWT"),
                Arguments.of("HS256 with the public key", TokenCheck.ALGORITHM, hs.serialize(), ErrorCode.INVALID_TOKEN, "algorithm HS256"),
                Arguments.of("unknown kid", TokenCheck.UNKNOWN_KID, sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("nope").build(),
                        claims().build(), rsa), ErrorCode.INVALID_TOKEN, "no key with kid 'nope'"),
                Arguments.of("no kid", TokenCheck.HEADER, sign(new JWSHeader.Builder(JWSAlgorithm.RS256).build(), claims().build(), rsa),
                        ErrorCode.INVALID_TOKEN, "no 'kid'"),
                Arguments.of("another cluster's key under our kid", TokenCheck.SIGNATURE, sign(rsHeader, claims().build(), otherCluster),
                        ErrorCode.INVALID_TOKEN, "signature does not verify"),
                Arguments.of("RS256 naming the EC key", TokenCheck.SIGNATURE, sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("ec-1").build(),
                        claims().build(), rsa), ErrorCode.INVALID_TOKEN, "does not match the type"),
                Arguments.of("wrong issuer", TokenCheck.ISSUER, rs256(claims().issuer("https://evil").build()), ErrorCode.INVALID_TOKEN, "issuer"),
                Arguments.of("no audience", TokenCheck.AUDIENCE, rs256(claims().audience((String) null).build()), ErrorCode.INVALID_TOKEN, "audience"),
                Arguments.of("foreign audience", TokenCheck.AUDIENCE, rs256(claims().audience("sts.amazonaws.com").build()), ErrorCode.INVALID_TOKEN, "audience"),
                Arguments.of("expired", TokenCheck.EXPIRED, rs256(claims().expirationTime(Date.from(NOW.minusSeconds(61))).build()),
                        ErrorCode.EXPIRED_TOKEN, "expired"),
                Arguments.of("no exp", TokenCheck.CLAIMS, rs256(claims().expirationTime(null).build()), ErrorCode.INVALID_TOKEN, "'exp'"),
                Arguments.of("no iat", TokenCheck.CLAIMS, rs256(claims().issueTime(null).build()), ErrorCode.INVALID_TOKEN, "'iat'"),
                Arguments.of("nbf in the future", TokenCheck.NOT_YET_VALID, rs256(claims().notBeforeTime(Date.from(NOW.plusSeconds(120))).build()),
                        ErrorCode.INVALID_TOKEN, "not valid before"),
                Arguments.of("iat in the future", TokenCheck.NOT_YET_VALID, rs256(claims().issueTime(Date.from(NOW.plusSeconds(120))).build()),
                        ErrorCode.INVALID_TOKEN, "issued in the future"),
                Arguments.of("lifetime over 48 h", TokenCheck.LIFETIME, rs256(claims().expirationTime(Date.from(NOW.plus(Duration.ofHours(49)))).build()),
                        ErrorCode.INVALID_TOKEN, "lifetime"),
                Arguments.of("sub disagrees with kubernetes.io", TokenCheck.SUBJECT, rs256(claims().subject("system:serviceaccount:payments:admin").build()),
                        ErrorCode.INVALID_TOKEN, "does not match"),
                Arguments.of("no kubernetes.io claims", TokenCheck.CLAIMS, rs256(claims().claim("kubernetes.io", null).build()),
                        ErrorCode.INVALID_TOKEN, "no kubernetes.io"),
                Arguments.of("no pod claims", TokenCheck.CLAIMS, rs256(claims().claim("kubernetes.io", Map.of("namespace", "payments",
                        "serviceaccount", Map.of("name", "api"))).build()), ErrorCode.INVALID_TOKEN, "not bound to a pod"),
                Arguments.of("malformed namespace claim", TokenCheck.CLAIMS, rs256(claims().subject("system:serviceaccount:Bad:api")
                        .claim("kubernetes.io", Map.of("namespace", "Bad", "pod", Map.of("name", "p", "uid", "u"),
                                "serviceaccount", Map.of("name", "api"))).build()), ErrorCode.INVALID_TOKEN, "malformed"),
                Arguments.of("altered payload", TokenCheck.SIGNATURE, payloadAltered, ErrorCode.INVALID_TOKEN, "signature does not verify"),
                Arguments.of("altered signature", TokenCheck.SIGNATURE, signatureAltered, ErrorCode.INVALID_TOKEN, "signature does not verify"),
                Arguments.of("two segments", TokenCheck.MALFORMED, parts[0] + "." + parts[1], ErrorCode.INVALID_TOKEN, "compact JWS"),
                Arguments.of("four segments", TokenCheck.MALFORMED, good + ".x", ErrorCode.INVALID_TOKEN, "compact JWS"),
                Arguments.of("garbage", TokenCheck.MALFORMED, "a.b.c", ErrorCode.INVALID_TOKEN, "signed JWT"),
                Arguments.of("oversized", TokenCheck.MALFORMED, parts[0] + "." + "A".repeat(17000) + "." + parts[2], ErrorCode.INVALID_TOKEN, "larger than"),
                Arguments.of("jku header", TokenCheck.HEADER, sign(new JWSHeader.Builder(rsHeader).jwkURL(URI.create("https://evil/jwks")).build(),
                        claims().build(), rsa), ErrorCode.INVALID_TOKEN, "'jku'"),
                Arguments.of("x5u header", TokenCheck.HEADER, sign(new JWSHeader.Builder(rsHeader).x509CertURL(URI.create("https://evil/cert")).build(),
                        claims().build(), rsa), ErrorCode.INVALID_TOKEN, "'x5u'"),
                Arguments.of("embedded jwk header", TokenCheck.HEADER, sign(new JWSHeader.Builder(rsHeader).jwk(otherCluster.toPublicJWK()).build(),
                        claims().build(), otherCluster), ErrorCode.INVALID_TOKEN, "'jwk'"),
                Arguments.of("unknown crit header", TokenCheck.HEADER, sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").criticalParams(new java.util.HashSet<>(Set.of("exp-policy")))
                        .customParam("exp-policy", "x").build(), claims().build(), rsa), ErrorCode.INVALID_TOKEN, "critical"),
                Arguments.of("empty", TokenCheck.MISSING, "", ErrorCode.INVALID_PARAMETER, "token is required"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejections")
    void refuses(String name, TokenCheck reason, String token, ErrorCode code, String message) {
        assertThatThrownBy(() -> verify(token))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> {
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.reason()).isEqualTo(reason);
                })
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(token.isEmpty() ? "\u0000" : token));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejections")
    void inspect_failsTheSameCheckFirst_asVerifyRefuses(String name, TokenCheck reason, String token, ErrorCode code,
                                                         String message) {
        if (reason == TokenCheck.MISSING) {
            assertThatThrownBy(() -> PodTokenVerifier.inspect(token, ISSUER, keys, NOW))
                    .isInstanceOfSatisfying(TokenRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
            return;
        }
        TokenInspection inspection = PodTokenVerifier.inspect(token, ISSUER, keys, NOW);
        assertThat(inspection.firstFailure()).hasValueSatisfying(e -> {
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).contains(message);
        });
        assertThat(inspection.outcomes()).extracting(TokenInspection.Outcome::check)
                .as("one outcome per check, in the verifier's order")
                .containsExactly(java.util.Arrays.stream(TokenCheck.values()).filter(c -> c != TokenCheck.MISSING)
                        .toArray(TokenCheck[]::new));
        assertThat(inspection.pod()).isNull();
    }

    @Test
    void inspect_passesEveryCheck_forAGoodToken_andReportsIndependentProblemsTogether() {
        TokenInspection good = PodTokenVerifier.inspect(rs256(claims().build()), ISSUER, keys, NOW);
        assertThat(good.outcomes()).allMatch(o -> o.status() == TokenInspection.Status.PASS);
        assertThat(good.pod()).isEqualTo(verify(rs256(claims().build())));

        TokenInspection bad = PodTokenVerifier.inspect(rs256(claims().issuer("https://elsewhere")
                .issueTime(Date.from(NOW.minusSeconds(7200))).notBeforeTime(Date.from(NOW.minusSeconds(7200)))
                .expirationTime(Date.from(NOW.minusSeconds(3600))).build()), ISSUER, keys, NOW);
        assertThat(bad.outcomes()).filteredOn(o -> o.status() == TokenInspection.Status.FAIL)
                .extracting(TokenInspection.Outcome::check).containsExactly(TokenCheck.ISSUER, TokenCheck.EXPIRED);
        assertThat(bad.namespace()).isEqualTo("payments");
        assertThat(bad.serviceAccount()).isEqualTo("api");
    }

    // ------------------------------------------------- what a security reviewer asks of the claims and times

    static void assertRefused(String token, TokenCheck reason, String message) {
        assertThatThrownBy(() -> verify(token))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.code()).isEqualTo(reason.code());
                })
                .hasMessageContaining(message);
        assertThat(PodTokenVerifier.inspect(token, ISSUER, keys, NOW).firstFailure())
                .hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(reason));
        assertThat(PodTokenVerifier.inspect(token, ISSUER, keys, NOW).pod()).isNull();
    }

    static String withPod(Object pod) {
        Map<String, Object> k8s = new java.util.HashMap<>(Map.of("namespace", "payments",
                "serviceaccount", Map.of("name", "api", "uid", "sa-uid")));
        k8s.put("pod", pod);
        return rs256(claims().claim("kubernetes.io", k8s).build());
    }

    @Test
    void tokenWithEmptyPodUidIsNotPodBound() {
        assertRefused(withPod(Map.of("name", "api-7d9f", "uid", "")), TokenCheck.CLAIMS, "not bound to a pod");
    }

    @Test
    void tokenWithEmptyPodNameIsNotPodBound() {
        assertRefused(withPod(Map.of("name", "", "uid", "p-uid")), TokenCheck.CLAIMS, "not bound to a pod");
    }

    @Test
    void tokenWithoutPodUidOrName_orWithNonStringOnes_isNotPodBound() {
        assertRefused(withPod(Map.of("name", "api-7d9f")), TokenCheck.CLAIMS, "not bound to a pod");
        assertRefused(withPod(Map.of("uid", "p-uid")), TokenCheck.CLAIMS, "not bound to a pod");
        assertRefused(withPod(Map.of("name", "api-7d9f", "uid", 42)), TokenCheck.CLAIMS, "not bound to a pod");
        assertRefused(withPod(Map.of("name", List.of("api-7d9f"), "uid", "p-uid")), TokenCheck.CLAIMS, "not bound to a pod");
        assertRefused(withPod("api-7d9f"), TokenCheck.CLAIMS, "not bound to a pod");
    }

    @Test
    void tokenWithoutNamespaceOrServiceAccountClaims_namesNoSubject() {
        assertRefused(rs256(claims().claim("kubernetes.io", Map.of("serviceaccount", Map.of("name", "api"),
                "pod", Map.of("name", "p", "uid", "u"))).build()), TokenCheck.CLAIMS, "no namespace or service account");
        assertRefused(rs256(claims().claim("kubernetes.io", Map.of("namespace", "payments",
                "pod", Map.of("name", "p", "uid", "u"))).build()), TokenCheck.CLAIMS, "no namespace or service account");
        TokenInspection inspection = PodTokenVerifier.inspect(rs256(claims().claim("kubernetes.io", Map.of("namespace",
                "payments", "pod", Map.of("name", "p", "uid", "u"))).build()), ISSUER, keys, NOW);
        assertThat(inspection.namespace()).isNull();
        assertThat(inspection.serviceAccount()).isNull();
    }

    @Test
    void tokenThatExpiresBeforeItWasIssuedIsRefused_evenWhenBothTimesAreWithinTheClockSkew() {
        Instant iat = NOW.minusSeconds(10);
        String backwards = rs256(claims().issueTime(Date.from(iat)).notBeforeTime(null)
                .expirationTime(Date.from(iat.minusSeconds(20))).build());
        assertRefused(backwards, TokenCheck.LIFETIME, "expires before it is issued");
        assertThatThrownBy(() -> PodTokenVerifier.verify(backwards, ISSUER, keys, NOW, Duration.ofHours(1)))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> assertThat(e.reason()).isEqualTo(TokenCheck.LIFETIME));
    }

    @Test
    void tokenWithNoLifetimeAtAllIsRefused() {
        String zero = rs256(claims().issueTime(Date.from(NOW)).notBeforeTime(null).expirationTime(Date.from(NOW)).build());
        assertRefused(zero, TokenCheck.LIFETIME, "expires before it is issued");
    }

    @Test
    void withoutAClusterLimit_aTokenOfExactly48HoursIsAccepted_andOneSecondLongerIsRefused() {
        Instant iat = NOW.minusSeconds(30);
        String atCeiling = rs256(claims().issueTime(Date.from(iat)).expirationTime(Date.from(iat.plus(Duration.ofHours(48)))).build());
        String over = rs256(claims().issueTime(Date.from(iat))
                .expirationTime(Date.from(iat.plus(Duration.ofHours(48)).plusSeconds(1))).build());
        assertThat(verify(atCeiling).podUid()).isEqualTo("p-uid");
        assertRefused(over, TokenCheck.LIFETIME, "exceeds 48 hours");
    }

    @Test
    void theClockSkewIsSixtySecondsExactly_forExpiryIssueTimeAndNotBefore() {
        Date hourAgo = Date.from(NOW.minusSeconds(3600));
        String expiredAtSkew = rs256(claims().issueTime(hourAgo).notBeforeTime(hourAgo)
                .expirationTime(Date.from(NOW.minusSeconds(60))).build());
        String expiredPastSkew = rs256(claims().issueTime(hourAgo).notBeforeTime(hourAgo)
                .expirationTime(Date.from(NOW.minusSeconds(61))).build());
        assertThat(verify(expiredAtSkew)).isNotNull();
        assertRefused(expiredPastSkew, TokenCheck.EXPIRED, "expired");

        String issuedAtSkew = rs256(claims().issueTime(Date.from(NOW.plusSeconds(60))).notBeforeTime(null).build());
        String issuedPastSkew = rs256(claims().issueTime(Date.from(NOW.plusSeconds(61))).notBeforeTime(null).build());
        assertThat(verify(issuedAtSkew)).isNotNull();
        assertRefused(issuedPastSkew, TokenCheck.NOT_YET_VALID, "issued in the future");

        String validFromSkew = rs256(claims().notBeforeTime(Date.from(NOW.plusSeconds(60))).build());
        String validPastSkew = rs256(claims().notBeforeTime(Date.from(NOW.plusSeconds(61))).build());
        assertThat(verify(validFromSkew)).isNotNull();
        assertRefused(validPastSkew, TokenCheck.NOT_YET_VALID, "not valid before");
    }

    /** Payloads that are not a JWT claims set: each is refused as MALFORMED, never an unchecked exception. */
    static Stream<String> payloadsThatAreNotClaimSets() {
        String deep = "[".repeat(4000) + "]".repeat(4000);
        return Stream.of("[1,2]", "\"claims\"", "null", "42", "true", "", "{", "{\"exp\":", "not json at all",
                "{\"exp\":\"tomorrow\"}", "{\"iat\":[1]}", "{\"nbf\":{}}", "{\"iss\":7}", "{\"sub\":false}",
                "{\"aud\":{\"x\":1}}", "{\"aud\":[1]}", "{\"exp\":1e400}", "{\"jti\":[]}", "{\"a\":" + deep + "}", deep);
    }

    @ParameterizedTest
    @MethodSource("payloadsThatAreNotClaimSets")
    void aPayloadThatIsNotAJsonObjectOfClaimsIsRefusedAsMalformed(String payload) {
        String header = b64("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}");
        String token = header + "." + b64(payload) + "." + rs256(claims().build()).split("\\.")[2];
        assertRefused(token, TokenCheck.MALFORMED, "The token is invalid");
        assertThat(PodTokenVerifier.inspect(token, ISSUER, keys, NOW).outcomes())
                .filteredOn(o -> o.status() != TokenInspection.Status.SKIP)
                .extracting(TokenInspection.Outcome::check).containsExactly(TokenCheck.MALFORMED);
    }

    @Test
    void kubernetesClaimsThatAreNotAnObjectAreRefused() {
        assertRefused(rs256(claims().claim("kubernetes.io", "payments/api").build()), TokenCheck.CLAIMS, "no kubernetes.io claims");
        assertRefused(rs256(claims().claim("kubernetes.io", List.of("payments")).build()), TokenCheck.CLAIMS, "no kubernetes.io claims");
    }

    @Test
    void noTokenAtAllIsMissing_forTheBrokerAndForDiagnosis() {
        assertThatThrownBy(() -> verify(null))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> assertThat(e.reason()).isEqualTo(TokenCheck.MISSING));
        assertThatThrownBy(() -> PodTokenVerifier.inspect(null, ISSUER, keys, NOW))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> assertThat(e.reason()).isEqualTo(TokenCheck.MISSING));
    }

    @Test
    void aTokenOfExactly16KiBIsReadAndJudgedOnItsContent() {
        String sized = "a".repeat(PodTokenVerifier.MAX_TOKEN_BYTES - 4) + ".b.c";
        assertThat(sized).hasSize(PodTokenVerifier.MAX_TOKEN_BYTES);
        assertRefused(sized, TokenCheck.MALFORMED, "not a signed JWT");
    }

    // ------------------------------------------------- diagnosis: every check's own verdict, not only the first failure

    /** Each check's status in the inspection (one outcome per check). */
    static Map<TokenCheck, TokenInspection.Status> statuses(String token) {
        Map<TokenCheck, TokenInspection.Status> out = new java.util.EnumMap<>(TokenCheck.class);
        PodTokenVerifier.inspect(token, ISSUER, keys, NOW).outcomes().forEach(o -> out.put(o.check(), o.status()));
        return out;
    }

    static String detail(String token, TokenCheck check) {
        return PodTokenVerifier.inspect(token, ISSUER, keys, NOW).outcomes().stream().filter(o -> o.check() == check)
                .findFirst().orElseThrow().detail();
    }

    @Test
    void inspect_skipsWhatCannotBeJudged_insteadOfFailingIt() {
        String noKid = sign(new JWSHeader.Builder(JWSAlgorithm.RS256).build(), claims().build(), rsa);
        assertThat(statuses(noKid)).containsEntry(TokenCheck.HEADER, TokenInspection.Status.FAIL)
                .containsEntry(TokenCheck.UNKNOWN_KID, TokenInspection.Status.SKIP)
                .containsEntry(TokenCheck.SIGNATURE, TokenInspection.Status.SKIP)
                .containsEntry(TokenCheck.CLAIMS, TokenInspection.Status.PASS);
        assertThat(detail(noKid, TokenCheck.SIGNATURE)).isEqualTo("no registered key to verify with");

        String emptyKid = sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("").build(), claims().build(), rsa);
        assertThat(statuses(emptyKid)).containsEntry(TokenCheck.HEADER, TokenInspection.Status.FAIL)
                .containsEntry(TokenCheck.UNKNOWN_KID, TokenInspection.Status.SKIP)
                .containsEntry(TokenCheck.SIGNATURE, TokenInspection.Status.SKIP);

        String unknownKid = sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("nope").build(), claims().build(), rsa);
        assertThat(statuses(unknownKid)).containsEntry(TokenCheck.HEADER, TokenInspection.Status.PASS)
                .containsEntry(TokenCheck.UNKNOWN_KID, TokenInspection.Status.FAIL)
                .containsEntry(TokenCheck.SIGNATURE, TokenInspection.Status.SKIP);

        // an HMAC token naming a registered RSA key: the algorithm fails, the signature is not tried with that key
        String hmac = hs256(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), claims().build());
        assertThat(statuses(hmac)).containsEntry(TokenCheck.ALGORITHM, TokenInspection.Status.FAIL)
                .containsEntry(TokenCheck.UNKNOWN_KID, TokenInspection.Status.PASS)
                .containsEntry(TokenCheck.SIGNATURE, TokenInspection.Status.SKIP);
        assertThat(detail(hmac, TokenCheck.SIGNATURE)).isEqualTo("the algorithm is not accepted");

        String noIat = rs256(claims().issueTime(null).build());
        assertThat(statuses(noIat)).containsEntry(TokenCheck.CLAIMS, TokenInspection.Status.FAIL)
                .containsEntry(TokenCheck.EXPIRED, TokenInspection.Status.PASS)
                .containsEntry(TokenCheck.NOT_YET_VALID, TokenInspection.Status.SKIP)
                .containsEntry(TokenCheck.LIFETIME, TokenInspection.Status.SKIP);
        String noExp = rs256(claims().expirationTime(null).build());
        assertThat(statuses(noExp)).containsEntry(TokenCheck.EXPIRED, TokenInspection.Status.SKIP)
                .containsEntry(TokenCheck.NOT_YET_VALID, TokenInspection.Status.PASS)
                .containsEntry(TokenCheck.LIFETIME, TokenInspection.Status.SKIP);
        assertThat(detail(rs256(claims().notBeforeTime(Date.from(NOW.minusSeconds(30))).build()), TokenCheck.NOT_YET_VALID))
                .isEqualTo("issued at " + NOW.minusSeconds(60) + ", valid from " + NOW.minusSeconds(30));
        assertThat(detail(rs256(claims().notBeforeTime(null).build()), TokenCheck.NOT_YET_VALID))
                .isEqualTo("issued at " + NOW.minusSeconds(60));
    }

    @Test
    void aSignedJwtWhoseClaimsCannotBeRead_saysSo() {
        String token = b64("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}") + "." + b64("{\"exp\":\"tomorrow\"}") + "."
                + rs256(claims().build()).split("\\.")[2];
        assertRefused(token, TokenCheck.MALFORMED, "the token's claims are not a JSON object");
        assertRefused("e30." + b64("{}") + ".c2ln", TokenCheck.MALFORMED, "the token is not a signed JWT");
    }

    @Test
    void theFirstClaimsProblemIsTheOneReported() {
        // no exp and no kubernetes.io claims: the missing exp is named, not hidden behind the later problem
        assertRefused(rs256(claims().expirationTime(null).claim("kubernetes.io", null).build()), TokenCheck.CLAIMS,
                "no 'exp' claim");
        // an invalid namespace and no pod: the namespace is what to fix first
        assertRefused(rs256(claims().claim("kubernetes.io", Map.of("namespace", "Payments",
                "serviceaccount", Map.of("name", "api"))).build()), TokenCheck.CLAIMS, "claims are malformed");
    }

    @Test
    void anAlgorithmOfTheWrongFamilyForTheNamedKey_isRefusedAsAMismatch() throws Exception {
        SignedJWT esUnderRsaKid = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("rsa-1").build(), claims().build());
        esUnderRsaKid.sign(new ECDSASigner(ec));
        assertRefused(esUnderRsaKid.serialize(), TokenCheck.SIGNATURE, "algorithm ES256 does not match the type of key 'rsa-1' (RSA)");
        String rsUnderEcKid = sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("ec-1").build(), claims().build(), rsa);
        assertRefused(rsUnderEcKid, TokenCheck.SIGNATURE, "algorithm RS256 does not match the type of key 'ec-1' (EC)");
    }

    @Test
    void aRegisteredKeyTheVerifierCannotUse_refusesTheToken_insteadOfFailing() throws Exception {
        // ES384 is accepted, but the registered key is a P-256 key: the JOSE library refuses to verify with it
        ECKey p384 = new ECKeyGenerator(Curve.P_384).keyID("ec-1").generate();
        SignedJWT es384 = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES384).keyID("ec-1").build(), claims().build());
        es384.sign(new ECDSASigner(p384));
        assertRefused(es384.serialize(), TokenCheck.SIGNATURE, "the signature cannot be verified with the registered key 'ec-1'");

        // an RSA key the JDK will not build (a 256-bit modulus; registration refuses keys under 2048 bits, this is
        // the verifier's own guard for keys that reach it some other way)
        RSAKey tiny = new RSAKey.Builder(Base64URL.encode(java.math.BigInteger.ONE.shiftLeft(255).setBit(0)),
                Base64URL.encode(java.math.BigInteger.valueOf(65537)))
                .keyID("tiny").build();
        JWKSet withTiny = new JWKSet(List.of(rsa.toPublicJWK(), tiny));
        String token = sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("tiny").build(), claims().build(), rsa);
        assertThatThrownBy(() -> PodTokenVerifier.verify(token, ISSUER, withTiny, NOW))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> assertThat(e.reason()).isEqualTo(TokenCheck.SIGNATURE))
                .hasMessageContaining("the signature cannot be verified with the registered key 'tiny'");
    }

    @Test
    void aTokenOverTheClustersLimit_namesTheClustersLimit_evenWhenItIsAlsoOver48Hours() {
        String longLived = rs256(claims().expirationTime(Date.from(NOW.plus(Duration.ofHours(49)))).build());
        assertThatThrownBy(() -> PodTokenVerifier.verify(longLived, ISSUER, keys, NOW, Duration.ofHours(1)))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> assertThat(e.reason()).isEqualTo(TokenCheck.LIFETIME))
                .hasMessageContaining("more than the cluster's limit of 3600 seconds");
    }

    static String hs256(JWSHeader header, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(new MACSigner(new byte[32]));
            return jwt.serialize();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

}
