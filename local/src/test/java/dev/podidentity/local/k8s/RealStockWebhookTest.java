package dev.podidentity.local.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import dev.podidentity.domain.WebhookSync;
import dev.podidentity.local.Keys;
import dev.podidentity.testing.PodTokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The in-cluster alternative through real parts: {@code cluster/install --mode stock-webhook} run for real over the
 * fixture's admit-pod install (our webhooks removed, so every patch here is the stock webhook's); the real
 * kube-apiserver calls the STOCK amazon-eks-pod-identity-webhook binary, run with the applied Deployment's
 * {@code --token-expiration} and registered by the applied configuration (v1beta1, failurePolicy Ignore, its namespace
 * selector; only the Service reference replaced by the binary's URL), for every pod CREATE; the webhook watches an
 * identities file that {@code cluster/components/stock-webhook/sync.sh}, run as a process with a 2 s period and the
 * applied CA, keeps equal to the service's list through SyncWebhookIdentities, authorized by a TokenRequest token of
 * the sync service account with the sync audience, bound to a pod; the stock agent turns a patched pod's token into
 * the role's credentials. The sync reaches the API through a {@link PortGate} the test closes to play an outage.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealStockWebhookTest {
    static final String CLUSTER = "stock-" + ProcessHandle.current().pid();
    static final int PERIOD_SECONDS = 2;
    static final String URI_ENV = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    static final String SYNC_NS = WebhookSync.DEFAULT_SERVICE_ACCOUNT.namespace();
    static final String SYNC_SA = WebhookSync.DEFAULT_SERVICE_ACCOUNT.serviceAccount();

    RealCluster c;
    PortGate gate;
    StockWebhook webhook;
    Path identities;
    Path status;
    Path syncLog;
    Path syncPid;
    String syncToken;
    long lifetime;
    String roleArn;
    int pods;

    @BeforeAll
    void start() throws Exception {
        Path binary = RealCluster.stockWebhookOrSkip();
        c = new RealCluster(CLUSTER);
        long t0 = System.nanoTime();
        // cluster/install --mode stock-webhook for real over the admit-pod install (with --ca-bundle, the stack's CA):
        // our webhooks removed, so every patch below is the stock webhook's; its Deployment applied (no controller
        // runs it here: the binary runs below with the applied container's settings), its registration, the sync's CA
        c.install("--mode", "stock-webhook").orThrow("cluster/install --mode stock-webhook");
        assertThat(c.k8s.kubectl("get", "mutatingwebhookconfiguration", "pod-identity").ok()).isFalse();
        assertThat(c.k8s.kubectl("get", "validatingwebhookconfiguration", "pod-identity-deletions").ok()).isFalse();
        JsonNode applied = RealCluster.JSON.readTree(c.k8s.kubectl("-n", SYNC_NS, "get", "deployment", "pod-identity-webhook",
                "-o", "json").orThrow("read the applied Deployment")).at("/spec/template/spec/containers");
        long tokenExpiration = 0;
        for (JsonNode arg : container(applied, "pod-identity-webhook").path("args")) {
            if (arg.asText().startsWith("--token-expiration=")) {
                tokenExpiration = Long.parseLong(arg.asText().substring("--token-expiration=".length()));
            }
        }
        String caFile = RealCluster.env(container(applied, "webhook-sync"), "CA_FILE");
        assertThat(caFile).as("the sync trusts --ca-bundle").isEqualTo("/etc/pod-identity-api-ca/ca.crt");
        Path apiCa = c.write("api-ca.crt", new String(Base64.getDecoder().decode(c.k8s.kubectl("-n", SYNC_NS, "get",
                "configmap", "pod-identity-api-ca", "-o", "jsonpath={.binaryData.ca\\.crt}").orThrow("read the CA ConfigMap")),
                java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(Files.readString(apiCa)).isEqualTo(Files.readString(c.stack.caCertificate()));
        c.k8s.kubectl("create", "namespace", "shop").orThrow("create namespace shop");
        c.k8s.createServiceAccount("shop", "cart");
        c.k8s.createServiceAccount("shop", "other");
        roleArn = c.role("stock-app-" + ProcessHandle.current().pid());
        HttpResponse<String> described = c.signed("GET", "/clusters/" + CLUSTER, null);
        assertThat(described.statusCode()).as(described.body()).isEqualTo(200);
        lifetime = RealCluster.JSON.readTree(described.body()).at("/cluster/podTokenLifetimeSeconds").asLong();
        assertThat(tokenExpiration).as("--token-expiration = the cluster's podTokenLifetimeSeconds").isEqualTo(lifetime);

        // the sync pod's projected token, as the kubelet makes it: bound to the (Pending) sync pod, the sync audience
        JsonNode syncPod = c.k8s.createPod(SYNC_NS, RealClusterTest.pod("webhook-sync-0", SYNC_SA, ""));
        syncToken = c.k8s.kubectl("-n", SYNC_NS, "create", "token", SYNC_SA, "--audience", WebhookSync.AUDIENCE,
                "--duration", "600s", "--bound-object-kind", "Pod", "--bound-object-name", "webhook-sync-0",
                "--bound-object-uid", syncPod.path("metadata").path("uid").asText()).orThrow("sync token").strip();
        Path tokenFile = c.write("sync.token", syncToken);
        int apiPort = URI.create(c.stack.apiUrl()).getPort();
        gate = PortGate.start(apiPort);
        identities = c.dir.resolve("identities/identities.json");
        status = c.dir.resolve("sync-status/status.prom");
        syncLog = c.dir.resolve("sync.log");
        syncPid = c.dir.resolve("sync.pid");
        Path script = ClusterInstall.script().resolveSibling("components/stock-webhook/sync.sh");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("API_URL", c.stack.apiUrl().replace(":" + apiPort, ":" + gate.port()) + "/");
        env.put("CLUSTER", CLUSTER);
        env.put("TOKEN_FILE", tokenFile.toString());
        env.put("OUT_FILE", identities.toString());
        env.put("STATUS_FILE", status.toString());
        env.put("CA_FILE", apiCa.toString()); // the ConfigMap's copy, as mounted at caFile in the pod
        env.put("SYNC_PERIOD_SECONDS", Integer.toString(PERIOD_SECONDS));
        Proc.background(List.of("sh", script.toString()), env, syncLog, syncPid);
        await(() -> read(identities).equals("{\"identities\":[]}"), Duration.ofSeconds(10), "the first (empty) list");

        webhook = StockWebhook.start(binary, c.k8s, c.stack.tls().serverPem(), c.stack.tls().serverKeyPem(), identities,
                tokenExpiration, c.stack.tls().clientContext(), c.dir.resolve("stock-webhook"));
        // the applied registration, its in-cluster Service reference replaced by the out-of-cluster binary's URL
        String caBundle = Base64.getEncoder().encodeToString(Files.readAllBytes(c.stack.caCertificate()));
        c.k8s.kubectl("patch", "mutatingwebhookconfiguration", "pod-identity-stock-webhook", "--type=json", "-p",
                "[{\"op\": \"replace\", \"path\": \"/webhooks/0/clientConfig\", \"value\": {\"url\": \"" + webhook.url()
                + "/mutate\", \"caBundle\": \"" + caBundle + "\"}}]").orThrow("point the registration at the binary");
        JsonNode registration = RealCluster.JSON.readTree(c.k8s.kubectl("get", "mutatingwebhookconfiguration",
                "pod-identity-stock-webhook", "-o", "json").orThrow("read the registration")).at("/webhooks/0");
        assertThat(registration.at("/admissionReviewVersions/0").asText()).isEqualTo("v1beta1");
        assertThat(registration.path("failurePolicy").asText()).isEqualTo("Ignore");
        System.out.printf("stock webhook tier: sync + webhook + registration %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    void stop() throws IOException {
        if (syncPid != null) {
            Proc.stop(syncPid, "sync.sh");
        }
        if (webhook != null) {
            webhook.close();
        }
        if (gate != null) {
            gate.close();
        }
        if (c != null) {
            c.close();
        }
    }

    @Test
    void anAssociationPatchesTheNextPodWithinOnePeriod_aDeletionStopsIt_andAnOutageKeepsTheLastList() throws Exception {
        assertThat(patched(dryRun("cart"))).as("no association yet: not patched").isFalse();

        Instant created = Instant.now();
        String id;
        try (var eks = c.eks()) {
            id = eks.createPodIdentityAssociation(r -> r.clusterName(CLUSTER).namespace("shop").serviceAccount("cart")
                    .roleArn(roleArn)).association().associationId();
        }
        await(() -> patched(dryRun("cart")), Duration.ofSeconds(PERIOD_SECONDS + 8), "cart's pods patched");
        Duration toEffect = Duration.between(created, Instant.now());
        System.out.printf("stock webhook: association to first patched pod %d ms (sync period %d s)%n",
                toEffect.toMillis(), PERIOD_SECONDS);
        assertThat(toEffect).as("within one period, plus the request and the webhook's re-read")
                .isLessThan(Duration.ofSeconds(PERIOD_SECONDS + 3));
        assertThat(patched(dryRun("other"))).as("another service account stays unpatched").isFalse();

        // a real pod: the stock webhook's patch, the token the kubelet would project for it, the stock agent
        JsonNode pod = c.k8s.createPod("shop", RealClusterTest.pod("cart-1", "cart", ""));
        JsonNode container = pod.path("spec").path("containers").get(0);
        assertThat(RealCluster.env(container, URI_ENV)).isEqualTo("http://169.254.170.23/v1/credentials");
        assertThat(RealClusterTest.expirationSeconds(pod)).as("--token-expiration = the cluster's lifetime").isEqualTo(lifetime);
        Path token = c.write("cart-1.token", c.k8s.podToken("shop", "cart", "cart-1", pod.path("metadata").path("uid").asText(),
                lifetime));
        JsonNode sdk = AgentClient.run(c.ns, Map.of(URI_ENV, RealCluster.env(container, URI_ENV),
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token.toString()), List.of("sdk", c.stsEndpoint(), c.stack.region())).get(0);
        assertThat(sdk.path("error").asText()).isEmpty();
        assertThat(sdk.path("arn").asText()).contains(":assumed-role/" + roleArn.substring(roleArn.lastIndexOf('/') + 1)
                + "/eks-" + CLUSTER + "-cart-1-");

        Instant deleted = Instant.now();
        try (var eks = c.eks()) {
            eks.deletePodIdentityAssociation(r -> r.clusterName(CLUSTER).associationId(id));
        }
        await(() -> !patched(dryRun("cart")), Duration.ofSeconds(PERIOD_SECONDS + 8), "cart's pods no longer patched");
        Duration toRemoval = Duration.between(deleted, Instant.now());
        System.out.printf("stock webhook: deletion to first unpatched pod %d ms%n", toRemoval.toMillis());
        assertThat(toRemoval).isLessThan(Duration.ofSeconds(PERIOD_SECONDS + 3));

        try (var eks = c.eks()) {
            eks.createPodIdentityAssociation(r -> r.clusterName(CLUSTER).namespace("shop").serviceAccount("cart").roleArn(roleArn));
        }
        await(() -> patched(dryRun("cart")), Duration.ofSeconds(PERIOD_SECONDS + 8), "cart's pods patched again");
        String lastGood = read(identities);

        // the outage: the sync cannot reach the API; the webhook keeps patching from the last good list
        gate.down(true);
        Instant down = Instant.now();
        await(() -> read(status).contains("pod_identity_webhook_sync_consecutive_failures 1"), Duration.ofSeconds(PERIOD_SECONDS + 5),
                "the first failure in the status");
        Duration toFailure = Duration.between(down, Instant.now());
        await(() -> read(syncLog).contains("STALE: keeping the last good list (1 service account(s))"), Duration.ofSeconds(15),
                "the STALE line");
        Duration toStale = Duration.between(down, Instant.now());
        String prom = read(status);
        long age = Long.parseLong(prom.replaceAll("(?s).*pod_identity_webhook_sync_age_seconds (-?\\d+).*", "$1"));
        System.out.printf("stock webhook: API down to first failed sync in the status %d ms, to STALE in the log %d ms"
                + " (age %d s, after 3 periods)%n", toFailure.toMillis(), toStale.toMillis(), age);
        assertThat(age).as("the status counts from the last success").isGreaterThanOrEqualTo(3L * PERIOD_SECONDS);
        assertThat(prom).contains("pod_identity_webhook_sync_identities 1");
        assertThat(read(identities)).as("the last good list stays").isEqualTo(lastGood);
        assertThat(patched(dryRun("cart"))).as("pods of synced service accounts are still patched while the API is down").isTrue();
        assertThat(patched(dryRun("other"))).isFalse();

        gate.down(false);
        await(() -> read(syncLog).contains("recovered after"), Duration.ofSeconds(PERIOD_SECONDS + 5), "the recovery");
        await(() -> read(status).contains("pod_identity_webhook_sync_consecutive_failures 0"), Duration.ofSeconds(5), "no failures");
        assertThat(read(syncLog)).as("the token is never logged").doesNotContain(syncToken);
        assertThat(webhook.log()).doesNotContain(syncToken);
    }

    @Test
    void tokensOfAnotherServiceAccountOrAnotherClusterCannotReadTheList() throws Exception {
        // the cluster's own TokenRequest, the sync audience, but the app's service account (bound to its pod, as
        // projected; a token bound to no pod is refused before the service account is even looked at)
        JsonNode app = c.k8s.createPod("shop", RealClusterTest.pod("cart-reader", "cart", ""));
        String unbound = c.k8s.kubectl("-n", SYNC_NS, "create", "token", SYNC_SA, "--audience", WebhookSync.AUDIENCE,
                "--duration", "600s").orThrow("unbound token").strip();
        HttpResponse<String> notProjected = sync(CLUSTER, unbound);
        assertThat(notProjected.statusCode()).as(notProjected.body()).isEqualTo(400);
        assertThat(notProjected.body()).contains("the token is not bound to a pod");
        String cart = c.k8s.kubectl("-n", "shop", "create", "token", "cart", "--audience", WebhookSync.AUDIENCE,
                "--duration", "600s", "--bound-object-kind", "Pod", "--bound-object-name", "cart-reader",
                "--bound-object-uid", app.path("metadata").path("uid").asText()).orThrow("cart token").strip();
        HttpResponse<String> r = sync(CLUSTER, cart);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(r.headers().firstValue("x-amzn-ErrorType").orElse("")).startsWith("AccessDeniedException");
        assertThat(r.body()).contains("Service account shop/cart may not read the webhook identities")
                .contains(SYNC_NS + "/" + SYNC_SA).doesNotContain("identities\":[");

        // another registered cluster, its own issuer and key, its own sync service account's token
        String other = "stock-other-" + ProcessHandle.current().pid();
        String otherIssuer = "https://oidc.invalid/" + other;
        RSAKey otherKey = Keys.rsa(other + "-k1");
        HttpResponse<String> registered = c.signed("PUT", "/clusters/" + other, "{\"issuer\": \"" + otherIssuer
                + "\", \"jwks\": " + new JWKSet(otherKey.toPublicJWK()).toString(true) + "}");
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
        String otherToken = PodTokens.rs256(PodTokens.claims(otherIssuer, SYNC_NS, SYNC_SA, Instant.now(), Duration.ofMinutes(10))
                .audience(List.of(WebhookSync.AUDIENCE)).build(), otherKey);
        HttpResponse<String> foreign = sync(CLUSTER, otherToken);
        assertThat(foreign.statusCode()).as(foreign.body()).isEqualTo(400);
        assertThat(foreign.headers().firstValue("x-amzn-ErrorType").orElse("")).startsWith("InvalidTokenException");
        assertThat(foreign.body()).doesNotContain("identities\":[");
        // and this cluster's real sync token does not read the other cluster's list
        HttpResponse<String> reverse = sync(other, syncToken);
        assertThat(reverse.statusCode()).as(reverse.body()).isEqualTo(400);
        assertThat(reverse.headers().firstValue("x-amzn-ErrorType").orElse("")).startsWith("InvalidTokenException");
        System.out.printf("stock webhook route refusals: another service account %d %s; another cluster's token %d %s;"
                + " this cluster's token at another cluster %d %s%n", r.statusCode(), r.body(), foreign.statusCode(),
                foreign.body(), reverse.statusCode(), reverse.body());
        // the real sync token itself reads it
        assertThat(sync(CLUSTER, syncToken).statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** SyncWebhookIdentities as the sync calls it (no signature: the token is the authorization), over https. */
    HttpResponse<String> sync(String cluster, String token) throws IOException {
        HttpClient http = HttpClient.newBuilder().sslContext(c.stack.tls().clientContext()).build();
        try {
            return http.send(HttpRequest.newBuilder(URI.create(c.stack.apiUrl() + "/clusters/" + cluster + "/webhook-identities"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"token\": \"" + token + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** A pod of {@code serviceAccount} in shop created with dryRun=All: every webhook runs, nothing is stored. */
    JsonNode dryRun(String serviceAccount) throws IOException {
        HttpResponse<String> r = c.k8s.api("POST", "/api/v1/namespaces/shop/pods?dryRun=All",
                RealClusterTest.pod("probe-" + (++pods), serviceAccount, ""));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return RealCluster.JSON.readTree(r.body());
    }

    static JsonNode container(JsonNode containers, String name) {
        for (JsonNode container : containers) {
            if (name.equals(container.path("name").asText())) {
                return container;
            }
        }
        throw new AssertionError("no container " + name + " in " + containers);
    }

    static boolean patched(JsonNode pod) {
        return RealCluster.env(pod.path("spec").path("containers").get(0), URI_ENV) != null;
    }

    static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    interface Check {
        boolean test() throws IOException;
    }

    void await(Check check, Duration timeout, String what) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        while (!check.test()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; sync log:\n" + read(syncLog)
                        + (webhook == null ? "" : "\nwebhook log (tail):\n" + tail(webhook.log())));
            }
            KubeApiServer.sleep(100);
        }
    }

    static String tail(String log) {
        return log.length() > 3000 ? log.substring(log.length() - 3000) : log;
    }
}
