package dev.podidentity.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.ClusterName;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.IpFamily;
import dev.podidentity.domain.PodTokenLifetime;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.WebhookKey;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClusterServiceTest {

    /** A 1024-bit RSA key, generated once per JVM. */
    static final com.nimbusds.jose.jwk.RSAKey WEAK = weakKey();

    static com.nimbusds.jose.jwk.RSAKey weakKey() {
        try {
            return new RSAKeyGenerator(1024, true).keyID("w").generate().toPublicJWK();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void canonicalJwks_keepsPublicRsaAndEcKeys() {
        var rsa = ServiceFixture.SIGNING_KEY.toPublicJWK();
        var ec = ecKey("e");
        String jwks = ClusterService.canonicalJwks(new JWKSet(java.util.List.of(rsa, ec)).toString(true));
        assertThat(jwks).contains("\"k1\"", "\"e\"");
    }

    @Test
    void canonicalJwks_refusesPrivateKeys_weakKeys_symmetricKeys_missingOrDuplicateKids() throws Exception {
        var rsaPrivate = ServiceFixture.SIGNING_KEY;
        assertThatThrownBy(() -> ClusterService.canonicalJwks(new JWKSet(rsaPrivate).toString(false)))
                .isInstanceOf(ServiceException.class).hasMessageContaining("private key material");
        assertThatThrownBy(() -> ClusterService.canonicalJwks(new JWKSet(WEAK).toString()))
                .hasMessageContaining("at least 2048");
        var oct = new OctetSequenceKeyGenerator(256).keyID("o").generate();
        assertThatThrownBy(() -> ClusterService.canonicalJwks(new JWKSet(oct).toString(false)))
                .isInstanceOf(ServiceException.class);
        var noKid = new com.nimbusds.jose.jwk.RSAKey.Builder(ServiceFixture.SIGNING_KEY.toPublicJWK()).keyID(null).build();
        assertThatThrownBy(() -> ClusterService.canonicalJwks(new JWKSet(noKid).toString()))
                .hasMessageContaining("kid");
        var emptyKid = new com.nimbusds.jose.jwk.RSAKey.Builder(ServiceFixture.SIGNING_KEY.toPublicJWK()).keyID("").build();
        assertThatThrownBy(() -> ClusterService.canonicalJwks(new JWKSet(emptyKid).toString()))
                .hasMessageContaining("needs a 'kid'");
        var a = new com.nimbusds.jose.jwk.RSAKey.Builder(ServiceFixture.SIGNING_KEY.toPublicJWK()).keyID("same").build();
        var b = new com.nimbusds.jose.jwk.ECKey.Builder(ecKey("x")).keyID("same").build();
        assertThatThrownBy(() -> ClusterService.canonicalJwks(new JWKSet(java.util.List.of(a, b)).toString()))
                .hasMessageContaining("two keys");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{}", "{\"keys\":[]}", "[1]", "not json", "{\"keys\":\"x\"}"})
    void canonicalJwks_isInvalidParameter_forMalformedSets(String jwks) {
        assertThatThrownBy(() -> ClusterService.canonicalJwks(jwks)).isInstanceOf(ServiceException.class)
                .hasMessageContaining("jwks");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://kubernetes.default.svc", "https://oidc.eks.us-east-1.amazonaws.com/id/ABC", "k3s"})
    void validateIssuer_acceptsUrlsAndPlainIssuers(String issuer) {
        ClusterService.validateIssuer(issuer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "ftp://x", "https://a\u0000"})
    void validateIssuer_refusesBadIssuers(String issuer) {
        assertThatThrownBy(() -> ClusterService.validateIssuer(issuer)).isInstanceOf(ServiceException.class)
                .hasMessageContaining("issuer");
    }

    // ------------------------------------------- what register refuses: each refusal stores nothing

    static void assertRegisterRefused(ServiceFixture f, String issuer, String jwks, String message) {
        assertThatThrownBy(() -> f.clusters.register("prod", issuer, jwks, Map.of(), null, false))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                .hasMessageContaining(message);
        assertThat(f.store.findCluster("prod")).isEmpty();
    }

    static com.nimbusds.jose.jwk.ECKey ecKey(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate().toPublicJWK();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String ecJwks(int keys) {
        return new JWKSet(java.util.stream.IntStream.range(0, keys).mapToObj(i -> (com.nimbusds.jose.jwk.JWK) ecKey("k" + i))
                .toList()).toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "ftp://oidc.example", "https://a\u0000", "https://\u00e9.example", "http://[bad"})
    void registerRefusesAnIssuerThatNoTokenCouldCarry(String issuer) {
        assertRegisterRefused(new ServiceFixture(), issuer, jwks(), "issuer");
    }

    @Test
    void registerRefusesAMissingIssuer_andOneLongerThan2048Characters() {
        ServiceFixture f = new ServiceFixture();
        assertRegisterRefused(f, null, jwks(), "issuer is required");
        assertRegisterRefused(f, "https://oidc.example/" + "x".repeat(2048 - 21 + 1), jwks(), "at most 2048");
        assertThat(f.clusters.register("prod", "https://oidc.example/" + "x".repeat(2048 - 21), jwks(), Map.of(), null, false)
                .cluster().issuer()).hasSize(2048);
    }

    @Test
    void registerRefusesAKeyThatIsNotForSignatures() {
        var encryption = new com.nimbusds.jose.jwk.ECKey.Builder(ecKey("enc")).keyUse(com.nimbusds.jose.jwk.KeyUse.ENCRYPTION).build();
        assertRegisterRefused(new ServiceFixture(), ServiceFixture.ISSUER, new JWKSet(encryption).toString(), "use must be 'sig'");

        ServiceFixture f = new ServiceFixture();
        var signing = new com.nimbusds.jose.jwk.ECKey.Builder(ecKey("sig")).keyUse(com.nimbusds.jose.jwk.KeyUse.SIGNATURE).build();
        assertThat(f.clusters.register("prod", ServiceFixture.ISSUER, new JWKSet(signing).toString(), Map.of()).jwksJson())
                .contains("\"use\":\"sig\"");
    }

    @Test
    void registerRefusesAPublicKeyOfATypeThatCannotVerifyTokens() {
        // an Ed25519 public key: public, with a kid, but tokens are verified with RSA and EC keys only
        String okp = "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"ed\","
                + "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}";
        assertRegisterRefused(new ServiceFixture(), ServiceFixture.ISSUER, okp, "only RSA and EC keys");
    }

    @Test
    void registerRefusesPrivateKeyMaterial_andStoresOnlyPublicKeys() throws Exception {
        var pair = new ECKeyGenerator(Curve.P_256).keyID("pair").generate();
        assertRegisterRefused(new ServiceFixture(), ServiceFixture.ISSUER, new JWKSet(pair).toString(false), "private key material");

        ServiceFixture f = new ServiceFixture();
        String stored = f.clusters.register("prod", ServiceFixture.ISSUER, new JWKSet(pair.toPublicJWK()).toString(), Map.of())
                .jwksJson();
        assertThat(JWKSet.parse(stored).getKeys()).singleElement().satisfies(k -> assertThat(k.isPrivate()).isFalse());
    }

    @Test
    void registerTakes20KeysAtMost() {
        ServiceFixture f = new ServiceFixture();
        assertRegisterRefused(f, ServiceFixture.ISSUER, ecJwks(ClusterService.MAX_KEYS + 1), "1 to 20 keys");
        assertRegisterRefused(f, ServiceFixture.ISSUER, ecJwks(0), "1 to 20 keys");
        assertThat(f.clusters.register("prod", ServiceFixture.ISSUER, ecJwks(ClusterService.MAX_KEYS), Map.of()).jwksJson())
                .contains("\"k19\"");
    }

    @Test
    void registerTakesAJwksOf64KiBAtMost() {
        String jwks = jwks();
        String padded = jwks + " ".repeat(ClusterService.MAX_JWKS_CHARS - jwks.length());
        ServiceFixture f = new ServiceFixture();
        assertRegisterRefused(f, ServiceFixture.ISSUER, padded + " ", "larger than 65536");
        assertRegisterRefused(f, ServiceFixture.ISSUER, null, "jwks is required");
        assertThat(f.clusters.register("prod", ServiceFixture.ISSUER, padded, Map.of()).jwksJson()).doesNotEndWith(" ");
    }

    @Test
    void aRefusedReregistrationKeepsTheRegisteredIssuerAndKeys() {
        ServiceFixture f = new ServiceFixture();
        f.cluster("prod");
        Cluster before = f.store.findCluster("prod").orElseThrow();

        assertThatThrownBy(() -> f.clusters.register("prod", "ftp://elsewhere", jwks(), Map.of()))
                .isInstanceOf(ServiceException.class);
        assertThatThrownBy(() -> f.clusters.register("prod", ServiceFixture.ISSUER, ecJwks(ClusterService.MAX_KEYS + 1), Map.of()))
                .isInstanceOf(ServiceException.class);
        assertThat(f.store.findCluster("prod")).contains(before);
    }

    @Test
    void registerTakesHttpAndHttpsIssuers_andEveryPrintableAsciiCharacter() {
        ServiceFixture f = new ServiceFixture();
        assertThat(f.clusters.register("a", "http://oidc.example/!~", jwks(), Map.of()).issuer()).isEqualTo("http://oidc.example/!~");
        assertThat(f.clusters.register("b", "https://oidc.example", jwks(), Map.of()).issuer()).isEqualTo("https://oidc.example");
        assertRegisterRefused(f, "https://oidc.example/\u007f", jwks(), "printable ASCII");
    }

    @Test
    void describeListWebhookIdentitiesAndDelete_overTheStore() {
        ServiceFixture f = new ServiceFixture();
        Cluster a = f.cluster("a");
        f.cluster("b");
        f.cluster("c");
        AssociationService associations = new AssociationService(f.store, (role, tagSession, caller) -> { },
                ServiceFixture.IDENTITY, f.pageTokens, f.clock);
        for (String sa : new String[] {"web", "api"}) {
            associations.create(new CreateAssociationRequest("a", "shop", sa, AssociationServiceTest.ROLE, null, null, null,
                    null, null), null);
        }

        // what is stored, with the service's defaults for what was not registered (IP family, region)
        assertThat(f.clusters.describe("a")).isEqualTo(f.store.findCluster("a").orElseThrow().withDefaults("us-east-1"));
        assertThatThrownBy(() -> f.clusters.describe("absent"))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND));

        ListResult<Cluster> first = f.clusters.list(2, null);
        assertThat(first.items()).extracting(Cluster::name).containsExactly("a", "b");
        assertThat(first.nextToken()).isNotNull();
        ListResult<Cluster> second = f.clusters.list(2, first.nextToken());
        assertThat(second.items()).extracting(Cluster::name).containsExactly("c");
        assertThat(second.nextToken()).isNull();
        assertThatThrownBy(() -> f.clusters.list(2, first.nextToken() + "x")).isInstanceOf(ServiceException.class);

        ClusterService bounded = new ClusterService(pageReadsBounded(f, 1), ServiceFixture.IDENTITY, f.pageTokens, f.clock);
        assertThat(bounded.webhookIdentities("a")).containsExactly(new dev.podidentity.domain.Subject("shop", "api"),
                new dev.podidentity.domain.Subject("shop", "web"));
        assertThat(new ClusterService(pageReadsBounded(f, 1), ServiceFixture.IDENTITY, f.pageTokens, f.clock)
                .webhookIdentities("b")).isEmpty();
        assertThatThrownBy(() -> f.clusters.webhookIdentities("absent")).isInstanceOf(ServiceException.class);

        assertThat(f.clusters.delete("b").name()).isEqualTo("b");
        assertThat(f.store.findCluster("b")).isEmpty();
        assertThat(a.name()).isEqualTo("a");
    }

    @Test
    void webhookIdentitiesPagesThroughEveryAssociation() {
        ServiceFixture f = new ServiceFixture();
        f.cluster("a");
        AssociationService associations = new AssociationService(f.store, (role, tagSession, caller) -> { },
                ServiceFixture.IDENTITY, f.pageTokens, f.clock);
        for (int i = 0; i < 105; i++) {
            associations.create(new CreateAssociationRequest("a", "ns", "sa-" + i, AssociationServiceTest.ROLE, null, null,
                    null, null, null), null);
        }
        ClusterService clusters = new ClusterService(pageReadsBounded(f, 2), ServiceFixture.IDENTITY, f.pageTokens, f.clock);
        assertThat(clusters.webhookIdentities("a")).hasSize(105);
    }

    /**
     * The fixture's store, refusing more than {@code pages} association pages: a listing reads each page once and
     * stops after the last one (and a listing that never stops fails here instead of hanging).
     */
    static dev.podidentity.domain.PodIdentityStore pageReadsBounded(ServiceFixture f, int pages) {
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        return (dev.podidentity.domain.PodIdentityStore) java.lang.reflect.Proxy.newProxyInstance(
                ClusterServiceTest.class.getClassLoader(), new Class<?>[] {dev.podidentity.domain.PodIdentityStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("listAssociations") && reads.incrementAndGet() > pages) {
                        throw new AssertionError("association page " + reads.get() + " read; there are " + pages);
                    }
                    try {
                        return method.invoke(f.store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    // ------------------------------------------- registration over the in-memory store: webhook key and lifetime

    static String jwks() {
        return new JWKSet(ServiceFixture.SIGNING_KEY.toPublicJWK()).toString();
    }

    @Test
    void register_returnsAWebhookKeyOnce_andKeepsItsHash_untilRotated() {
        ServiceFixture f = new ServiceFixture();

        ClusterService.Registration first = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, null, false);
        ClusterService.Registration again = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, null, false);
        ClusterService.Registration rotated = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, null, true);

        assertThat(first.webhookKey()).isNotBlank();
        assertThat(WebhookKey.matches(first.webhookKey(), first.cluster().webhookKeyHash())).isTrue();
        assertThat(again.webhookKey()).isNull();
        assertThat(again.cluster().webhookKeyHash()).isEqualTo(first.cluster().webhookKeyHash());
        assertThat(rotated.webhookKey()).isNotBlank().isNotEqualTo(first.webhookKey());
        assertThat(WebhookKey.matches(first.webhookKey(), f.store.findCluster("prod").orElseThrow().webhookKeyHash())).isFalse();
        assertThat(WebhookKey.matches(rotated.webhookKey(), f.store.findCluster("prod").orElseThrow().webhookKeyHash())).isTrue();
    }

    @Test
    void register_setsTheLifetimeOnlyWhenGiven_defaultingToAnHour() {
        ServiceFixture f = new ServiceFixture();

        Cluster created = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, null, false).cluster();
        Cluster set = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, 7200, false).cluster();
        Cluster kept = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), Map.of("team", "a"), null, false).cluster();

        assertThat(created.podTokenLifetimeSeconds()).isEqualTo(PodTokenLifetime.DEFAULT_SECONDS);
        assertThat(set.podTokenLifetimeSeconds()).isEqualTo(7200);
        assertThat(kept.podTokenLifetimeSeconds()).isEqualTo(7200);
        assertThat(kept.tags()).containsEntry("team", "a");
        assertThat(kept.version()).isEqualTo(created.version() + 2);
    }

    @ParameterizedTest
    @ValueSource(ints = {599, 3607, 172_801})
    void register_isInvalidParameter_andChangesNothing_forALifetimeOutOfBounds(int seconds) {
        ServiceFixture f = new ServiceFixture();
        Cluster before = f.cluster("prod");

        assertThatThrownBy(() -> f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, seconds, false))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                .hasMessageContaining("podTokenLifetimeSeconds");
        assertThat(f.clusters.describe("prod")).isEqualTo(before);
    }

    @Test
    void theReservedPrimingName_cannotBeRegisteredNorDeleted() {
        ServiceFixture f = new ServiceFixture();
        for (Runnable call : java.util.List.<Runnable>of(
                () -> f.clusters.register(ClusterName.RESERVED, ServiceFixture.ISSUER, jwks(), null),
                () -> f.clusters.delete(ClusterName.RESERVED))) {
            assertThatThrownBy(call::run)
                    .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                    .hasMessageContaining("'snapstart-priming' is reserved");
        }
        assertThat(f.store.findCluster(ClusterName.RESERVED)).isEmpty();
    }

    @Test
    void ipFamilyAndRegion_defaultToIpv4AndTheServicesRegion_andAreKeptWhenNotNamed() {
        ServiceFixture f = new ServiceFixture();
        Cluster created = f.cluster("prod");
        assertThat(created.ipFamily()).isEqualTo(IpFamily.IPV4);
        assertThat(created.region()).isEqualTo("us-east-1");
        f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, null, false, "ipv6", "eu-west-1");
        Cluster kept = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, null, false, null, null).cluster();
        assertThat(kept.ipFamily()).isEqualTo(IpFamily.IPV6);
        assertThat(kept.region()).isEqualTo("eu-west-1");
        for (String[] bad : new String[][] {{"ipv5", null}, {null, "mars-1"}, {"IPv6", null}}) {
            assertThatThrownBy(() -> f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, null, false, bad[0], bad[1]))
                    .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                    .hasMessageContaining(bad[0] != null ? "ipFamily" : "region");
        }
        assertThat(f.clusters.describe("prod")).isEqualTo(kept);
    }

    @Test
    void loweringTheLifetime_showsWhenItTakesFullEffect_andRaisingItClearsThat() {
        ServiceFixture f = new ServiceFixture();
        f.cluster("prod");
        Cluster lowered = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, 1200, false).cluster();
        assertThat(lowered.previousPodTokenLifetimeSeconds()).isEqualTo(3600);
        assertThat(lowered.podTokenLifetimeEffectiveAt()).isEqualTo(ServiceFixture.START.plusSeconds(3600 + 90));
        assertThat(lowered.acceptedPodTokenLifetimeSeconds(ServiceFixture.START.plusSeconds(3689))).isEqualTo(3600);
        assertThat(lowered.acceptedPodTokenLifetimeSeconds(ServiceFixture.START.plusSeconds(3690))).isEqualTo(1200);
        f.clock.advance(java.time.Duration.ofMinutes(10));
        Cluster again = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, 600, false).cluster();
        assertThat(again.previousPodTokenLifetimeSeconds()).as("still the highest accepted").isEqualTo(3600);
        assertThat(again.podTokenLifetimeEffectiveAt()).isEqualTo(ServiceFixture.START.plusSeconds(3600 + 90));
        Cluster raised = f.clusters.register("prod", ServiceFixture.ISSUER, jwks(), null, 7200, false).cluster();
        assertThat(raised.podTokenLifetimeEffectiveAt()).isNull();
        assertThat(raised.previousPodTokenLifetimeSeconds()).isZero();
    }
}
