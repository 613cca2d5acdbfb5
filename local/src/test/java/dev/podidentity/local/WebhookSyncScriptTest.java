package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import dev.podidentity.domain.WebhookSync;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.eks.EksClient;

/**
 * {@code cluster/components/stock-webhook/sync.sh} run as a plain process (sh + curl, as in its container) against the
 * local stack, through a forwarding proxy the test can take down: an association appears in the identities file
 * within one period, a deleted one disappears, and while the API is down the last good file stays and the staleness
 * is logged and written to the status file.
 */
class WebhookSyncScriptTest {
    static final Path SCRIPT = ClusterInstallTest.ROOT.resolve("cluster/components/stock-webhook/sync.sh");
    static final int PERIOD_SECONDS = 2;

    @TempDir
    Path dir;
    HttpServer proxy;
    final AtomicBoolean apiDown = new AtomicBoolean();
    Process sync;

    @BeforeEach
    void requireShellAndCurl() {
        boolean present = ClusterInstallTest.onPath("sh") != null && ClusterInstallTest.onPath("curl") != null;
        if (!present && "true".equals(System.getenv("CI"))) {
            fail("sh and curl are required under CI=true (the sync script runs on them)");
        }
        assumeTrue(present, "sh or curl is not on PATH: skipping the sync script tests");
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (sync != null) {
            sync.destroy();
            sync.waitFor(10, TimeUnit.SECONDS);
        }
        if (proxy != null) {
            proxy.stop(0);
        }
    }

    @Test
    void keepsTheFileCurrent_andTheLastGoodListWhileTheApiIsDown() throws Exception {
        String cluster = TestStack.unique("syncsh");
        Path token = registerWithTokenOf(cluster, "pod-identity-system", "webhook-sync");
        Path out = dir.resolve("identities/identities.json");
        Path status = dir.resolve("status/status.prom");
        Path log = dir.resolve("sync.log");
        startProxy();
        String role = TestStack.brokerTrustedRole(TestStack.unique("syncsh-role"));

        ProcessBuilder pb = new ProcessBuilder("sh", SCRIPT.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("API_URL", "http://127.0.0.1:" + proxy.getAddress().getPort() + "/");
        pb.environment().put("CLUSTER", cluster);
        pb.environment().put("TOKEN_FILE", token.toString());
        pb.environment().put("OUT_FILE", out.toString());
        pb.environment().put("STATUS_FILE", status.toString());
        pb.environment().put("SYNC_PERIOD_SECONDS", Integer.toString(PERIOD_SECONDS));
        sync = pb.start();

        awaitFile(out, c -> c.equals("{\"identities\":[]}"), "the empty list");
        try (EksClient eks = TestStack.eks()) {
            Instant created = Instant.now();
            String id = eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("shop")
                    .serviceAccount("cart").roleArn(role)).association().associationId();
            Duration applied = awaitFile(out, c -> c.contains("{\"namespace\":\"shop\",\"serviceAccount\":\"cart\"}"), "cart");
            System.out.printf("sync: association to file in %d ms (period %d s)%n",
                    Duration.between(created, Instant.now()).toMillis(), PERIOD_SECONDS);
            assertThat(applied).as("within one period, plus the request").isLessThan(Duration.ofSeconds(PERIOD_SECONDS + 3));
            assertThat(Files.list(out.getParent()).map(p -> p.getFileName().toString()))
                    .as("the temp file was renamed, never left behind").containsExactly("identities.json");

            eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("shop").serviceAccount("orders").roleArn(role));
            awaitFile(out, c -> c.contains("orders"), "orders");
            eks.deletePodIdentityAssociation(r -> r.clusterName(cluster).associationId(id));
            awaitFile(out, c -> !c.contains("\"cart\"") && c.contains("orders"), "cart removed");
        }
        String lastGood = Files.readString(out);

        apiDown.set(true);
        Instant down = Instant.now();
        awaitFile(log, c -> c.contains("keeping the last good list (1 service account(s))"), "the stale log line");
        awaitFile(status, c -> c.contains("pod_identity_webhook_sync_consecutive_failures 2"), "two failures in the status");
        assertThat(Files.readString(out)).as("the last good list stays").isEqualTo(lastGood);
        String prom = Files.readString(status);
        long age = Long.parseLong(prom.replaceAll("(?s).*pod_identity_webhook_sync_age_seconds (-?\\d+).*", "$1"));
        assertThat(age).as("the age counts from the last success").isGreaterThanOrEqualTo(PERIOD_SECONDS - 1)
                .isLessThanOrEqualTo(Duration.between(down, Instant.now()).toSeconds() + PERIOD_SECONDS + 1);
        assertThat(prom).contains("pod_identity_webhook_sync_identities 1");
        System.out.printf("sync: API down %d s, file kept, status age %d s%n", Duration.between(down, Instant.now()).toSeconds(), age);

        apiDown.set(false);
        awaitFile(log, c -> c.contains("recovered after"), "the recovery");
        awaitFile(status, c -> c.contains("pod_identity_webhook_sync_consecutive_failures 0"), "no failures");
        assertThat(Files.readString(log)).as("the token is never logged").doesNotContain(Files.readString(token));
    }

    @Test
    void aRefusedToken_writesNothing_andSaysWhy_andOnceModeExitsNonZero() throws Exception {
        String cluster = TestStack.unique("syncsh-refused");
        Path token = registerWithTokenOf(cluster, "default", "default");
        Path out = dir.resolve("identities.json");
        ProcessBuilder pb = new ProcessBuilder("sh", SCRIPT.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("once.log").toFile());
        pb.environment().put("API_URL", TestStack.get().apiUrl());
        pb.environment().put("CLUSTER", cluster);
        pb.environment().put("TOKEN_FILE", token.toString());
        pb.environment().put("OUT_FILE", out.toString());
        pb.environment().put("STATUS_FILE", dir.resolve("status.prom").toString());
        pb.environment().put("SYNC_ONCE", "1");
        Process once = pb.start();
        assertThat(once.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(once.exitValue()).isEqualTo(1);
        assertThat(out).doesNotExist();
        assertThat(Files.readString(dir.resolve("once.log"))).contains("HTTP 403 AccessDeniedException",
                "Service account default/default may not read the webhook identities", "STALE: no list synced yet");
        assertThat(Files.readString(dir.resolve("status.prom"))).contains("pod_identity_webhook_sync_age_seconds -1");
    }

    /** Registers {@code cluster} with a new key; answers a file holding a sync-audience token of that service account. */
    Path registerWithTokenOf(String cluster, String namespace, String serviceAccount) throws IOException {
        String issuer = "https://oidc.local/" + cluster;
        RSAKey key = Keys.rsa(cluster + "-k1");
        ClusterApi.register(cluster, issuer, new JWKSet(key.toPublicJWK()).toString(true));
        return Files.writeString(dir.resolve("token"), WebhookSyncRouteTest.token(key, issuer, namespace, serviceAccount,
                WebhookSync.AUDIENCE, Instant.now()));
    }

    /** Forwards to the local API; answers nothing (closes the connection) while {@link #apiDown} is set. */
    void startProxy() throws IOException {
        HttpClient client = HttpClient.newHttpClient();
        proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/", exchange -> {
            try (exchange) {
                if (apiDown.get()) {
                    exchange.sendResponseHeaders(502, -1); // what a load balancer answers for a dead backend
                    return;
                }
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(TestStack.get().apiUrl()
                        + exchange.getRequestURI().getRawPath())).method(exchange.getRequestMethod(),
                        HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", "application/json");
                HttpResponse<byte[]> r = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
                r.headers().firstValue("x-amzn-ErrorType").ifPresent(t -> exchange.getResponseHeaders().add("x-amzn-ErrorType", t));
                exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                try (OutputStream o = exchange.getResponseBody()) {
                    o.write(r.body());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        proxy.start();
    }

    /** Waits (up to 20 s) until the file's content satisfies {@code condition}; answers how long that took. */
    Duration awaitFile(Path file, Predicate<String> condition, String what) throws Exception {
        Instant start = Instant.now();
        while (Duration.between(start, Instant.now()).compareTo(Duration.ofSeconds(20)) < 0) {
            if (Files.exists(file) && condition.test(Files.readString(file, StandardCharsets.UTF_8))) {
                return Duration.between(start, Instant.now());
            }
            assertThat(sync == null || sync.isAlive()).as("the sync process is running").isTrue();
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + what + " in " + file + "; log:\n"
                + (Files.exists(dir.resolve("sync.log")) ? Files.readString(dir.resolve("sync.log")) : "(none)"));
    }
}
