package dev.podidentity.service;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import dev.podidentity.domain.AssociationSummary;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.ClusterName;
import dev.podidentity.domain.ClusterRegion;
import dev.podidentity.domain.IpFamily;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.Page;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.PodTokenLifetime;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.ServiceIdentity;
import dev.podidentity.domain.Subject;
import dev.podidentity.domain.Tags;
import dev.podidentity.domain.Text;
import dev.podidentity.domain.WebhookKey;
import dev.podidentity.domain.WebhookSync;
import java.net.URI;
import java.net.URISyntaxException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Registration of the clusters whose tokens the service accepts (an extension of the EKS API). */
public final class ClusterService {
    static final int MAX_KEYS = 20;
    static final int MAX_JWKS_CHARS = 64 * 1024;
    private static final int MAX_LIST = 100;

    private final PodIdentityStore store;
    private final ServiceIdentity identity;
    private final PageTokens pageTokens;
    private final Clock clock;

    public ClusterService(PodIdentityStore store, ServiceIdentity identity, PageTokens pageTokens, Clock clock) {
        this.store = store;
        this.identity = identity;
        this.pageTokens = pageTokens;
        this.clock = clock;
    }

    /**
     * What a registration stored, and the admission webhook key when this registration created or rotated it (the
     * only time the key is ever known: only its hash is stored).
     */
    public record Registration(Cluster cluster, String webhookKey) {
    }

    /** Registers a cluster, or replaces its issuer and keys (key rotation) and merges tags when it exists. */
    public Cluster register(String name, String issuer, String jwksJson, Map<String, String> tags) {
        return register(name, issuer, jwksJson, tags, null, false).cluster();
    }

    /**
     * As {@link #register(String, String, String, Map)}, and: {@code podTokenLifetimeSeconds} (null keeps the stored
     * value, {@value PodTokenLifetime#DEFAULT_SECONDS} on first registration); {@code rotateWebhookKey} replaces the
     * webhook key (one is created anyway when the cluster has none).
     */
    public Registration register(String name, String issuer, String jwksJson, Map<String, String> tags,
                                 Integer podTokenLifetimeSeconds, boolean rotateWebhookKey) {
        return register(name, issuer, jwksJson, tags, podTokenLifetimeSeconds, rotateWebhookKey, null, null, null);
    }

    /**
     * As {@link #register(String, String, String, Map, Integer, boolean)}, and the webhook's settings: {@code ipFamily}
     * ({@code ipv4} or {@code ipv6}) and {@code region}; null keeps the stored value (ipv4 and this service's region
     * on first registration). The name SnapStart priming uses is reserved.
     */
    public Registration register(String name, String issuer, String jwksJson, Map<String, String> tags,
                                 Integer podTokenLifetimeSeconds, boolean rotateWebhookKey, String ipFamily,
                                 String region) {
        return register(name, issuer, jwksJson, tags, podTokenLifetimeSeconds, rotateWebhookKey, ipFamily, region, null);
    }

    /**
     * As {@link #register(String, String, String, Map, Integer, boolean, String, String)}, and
     * {@code webhookSyncServiceAccount} ({@code namespace/name}; null keeps the stored one,
     * {@link WebhookSync#DEFAULT_SERVICE_ACCOUNT} by default).
     */
    public Registration register(String name, String issuer, String jwksJson, Map<String, String> tags,
                                 Integer podTokenLifetimeSeconds, boolean rotateWebhookKey, String ipFamily,
                                 String region, String webhookSyncServiceAccount) {
        ClusterName cluster = new ClusterName(name);
        refuseReserved(cluster, "registered");
        IpFamily family = IpFamily.parse(ipFamily);
        String validRegion = ClusterRegion.validate(region);
        validateIssuer(issuer);
        String jwks = canonicalJwks(jwksJson);
        Map<String, String> validTags = Tags.validate(tags, ErrorCode.INVALID_PARAMETER);
        Integer lifetime = PodTokenLifetime.validate(podTokenLifetimeSeconds);
        Subject syncServiceAccount = WebhookSync.parse(webhookSyncServiceAccount);
        Instant now = clock.instant();
        String key = WebhookKey.generate();
        String keyHash = WebhookKey.hash(key);
        Cluster stored = store.registerCluster(new Cluster(cluster.value(), identity.clusterArn(cluster.value()), issuer,
                jwks, validTags, now, now, 0, 1, lifetime == null ? PodTokenLifetime.DEFAULT_SECONDS : lifetime, keyHash,
                family, validRegion, 0, null, syncServiceAccount), lifetime != null, rotateWebhookKey);
        return new Registration(stored.withDefaults(identity.region()),
                keyHash.equals(stored.webhookKeyHash()) ? key : null);
    }

    /** The cluster, with ipFamily and region filled in where it has none of its own. */
    public Cluster describe(String name) {
        ClusterName cluster = new ClusterName(name);
        return store.findCluster(cluster.value()).orElseThrow(() -> ServiceException.clusterNotFound(cluster.value()))
                .withDefaults(identity.region());
    }

    public ListResult<Cluster> list(Integer maxResults, String nextToken) {
        int limit = Requests.maxResults(maxResults, MAX_LIST);
        String scope = "ListClusters";
        String startAfter = nextToken == null ? null : pageTokens.decode(scope, nextToken);
        Page<Cluster> page = store.listClusters(limit, startAfter);
        return new ListResult<>(page.items(), page.lastKey() == null ? null : pageTokens.encode(scope, page.lastKey()));
    }

    /**
     * GetWebhookIdentities: every associated service account of the cluster, sorted by namespace then name, once
     * each — the identities file of the stock amazon-eks-pod-identity-webhook.
     */
    public List<Subject> webhookIdentities(String name) {
        ClusterName cluster = new ClusterName(name);
        store.findCluster(cluster.value()).orElseThrow(() -> ServiceException.clusterNotFound(cluster.value()));
        return associatedServiceAccounts(store, cluster.value());
    }

    /** Every associated service account of a registered cluster, sorted by namespace then name, once each. */
    static List<Subject> associatedServiceAccounts(PodIdentityStore store, String cluster) {
        Set<Subject> subjects = new TreeSet<>(Comparator.comparing(Subject::namespace).thenComparing(Subject::serviceAccount));
        String start = null;
        do {
            Page<AssociationSummary> page = store.listAssociations(cluster, null, null, MAX_LIST, start);
            page.items().forEach(a -> subjects.add(new Subject(a.namespace(), a.serviceAccount())));
            start = page.lastKey();
        } while (start != null);
        return List.copyOf(subjects);
    }

    /** Deletes a cluster; the reserved name is refused before the store is touched, so priming never deletes one. */
    public Cluster delete(String name) {
        ClusterName cluster = new ClusterName(name);
        refuseReserved(cluster, "deleted");
        return store.deleteCluster(cluster.value());
    }

    /**
     * SnapStart priming sends every handler requests about {@link ClusterName#RESERVED} (DeleteCluster's included), so
     * that name is never a real cluster's.
     */
    private static void refuseReserved(ClusterName cluster, String what) {
        if (ClusterName.RESERVED.equals(cluster.value())) {
            throw ServiceException.invalidParameter("clusterName '" + ClusterName.RESERVED + "' is reserved (the service"
                    + " uses it to warm its functions) and cannot be " + what + ": choose another name");
        }
    }

    static void validateIssuer(String issuer) {
        if (issuer == null || issuer.isEmpty()) {
            throw ServiceException.invalidParameter(
                    "issuer is required: the cluster's service-account issuer (kubectl get --raw /.well-known/openid-configuration)");
        }
        if (issuer.length() > 2048 || !issuer.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw ServiceException.invalidParameter("issuer '" + Text.printable(issuer)
                    + "' is invalid: use the exact 'iss' of the cluster's tokens, at most 2048 printable ASCII characters");
        }
        if (issuer.contains("://")) {
            String scheme;
            try {
                scheme = new URI(issuer).getScheme();
            } catch (URISyntaxException e) {
                scheme = null;
            }
            if (!"https".equals(scheme) && !"http".equals(scheme)) {
                throw ServiceException.invalidParameter("issuer '" + Text.printable(issuer) + "' is not a valid URL");
            }
        }
    }

    /** Parses the JWKS, keeps only what verification needs, and refuses private keys and unusable keys. */
    static String canonicalJwks(String jwksJson) {
        if (jwksJson == null) {
            throw ServiceException.invalidParameter(
                    "jwks is required: the cluster's public keys as {\"keys\": [...]} (kubectl get --raw /openid/v1/jwks)");
        }
        if (jwksJson.length() > MAX_JWKS_CHARS) {
            throw ServiceException.invalidParameter("jwks is larger than " + MAX_JWKS_CHARS + " characters");
        }
        JWKSet set;
        try {
            set = JWKSet.parse(jwksJson);
        } catch (ParseException | RuntimeException e) {
            throw ServiceException.invalidParameter("jwks is not a valid JSON Web Key Set: " + Text.printable(e.getMessage()));
        }
        if (set.getKeys().isEmpty() || set.getKeys().size() > MAX_KEYS) {
            throw ServiceException.invalidParameter("jwks must hold 1 to " + MAX_KEYS + " keys, it holds " + set.getKeys().size());
        }
        Set<String> kids = new HashSet<>();
        for (JWK key : set.getKeys()) {
            String kid = key.getKeyID();
            if (kid == null || kid.isEmpty()) {
                throw ServiceException.invalidParameter("every key in jwks needs a 'kid': tokens name their key by kid");
            }
            if (!kids.add(kid)) {
                throw ServiceException.invalidParameter("jwks has two keys with kid '" + Text.printable(kid) + "'");
            }
            if (key.isPrivate()) {
                throw ServiceException.invalidParameter("key '" + Text.printable(kid)
                        + "' in jwks holds private key material: register the public keys only");
            }
            if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
                throw ServiceException.invalidParameter("key '" + Text.printable(kid) + "' is not a signing key (use must be 'sig')");
            }
            if (key instanceof RSAKey rsa) {
                if (rsa.size() < 2048) {
                    throw ServiceException.invalidParameter("RSA key '" + Text.printable(kid) + "' has " + rsa.size()
                            + " bits: at least 2048 are required");
                }
            } else if (!(key instanceof ECKey)) {
                throw ServiceException.invalidParameter("key '" + Text.printable(kid) + "' has type " + key.getKeyType()
                        + ": only RSA and EC keys verify service-account tokens");
            }
        }
        return set.toPublicJWKSet().toString(true);
    }
}
