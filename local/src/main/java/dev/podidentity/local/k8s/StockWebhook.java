package dev.podidentity.local.k8s;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * The stock amazon-eks-pod-identity-webhook (v0.6.4), run out of a cluster as {@code cluster/components/stock-webhook}
 * runs it in one: {@code --in-cluster=false} with the admin kubeconfig, serving https on a free 127.0.0.1 port with the
 * given certificate, patching pods of the service accounts listed in {@code --watch-container-credentials-config}
 * with tokens of {@code --token-expiration} seconds. Register it with {@code admissionReviewVersions: [v1beta1]}.
 * Stopped by recorded PID.
 */
public final class StockWebhook implements AutoCloseable {
    /** The binary's name in {@link K8sBinaries#dir()}. */
    public static final String BINARY = "amazon-eks-pod-identity-webhook";

    private final Path dir;
    private final int port;

    private StockWebhook(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** The binary in {@code bins}, or null when that directory has none (the other components do not need it). */
    public static Path binary(K8sBinaries bins) {
        Path binary = bins.dir().resolve(BINARY);
        return Files.isExecutable(binary) ? binary : null;
    }

    /**
     * Starts it watching {@code identitiesFile}, serving {@code certPem}/{@code keyPem}; waits until {@code /healthz}
     * answers over https trusted by {@code trust}.
     */
    public static StockWebhook start(Path binary, KubeApiServer k8s, Path certPem, Path keyPem, Path identitiesFile,
                                     long tokenExpirationSeconds, SSLContext trust, Path dir) throws IOException {
        Files.createDirectories(dir);
        StockWebhook webhook = new StockWebhook(dir.toAbsolutePath(), Proc.freeListenPort());
        Proc.background(List.of(binary.toString(), "--in-cluster=false", "--kubeconfig=" + k8s.kubeconfig(),
                "--port=" + webhook.port, "--metrics-port=" + Proc.freeListenPort(),
                "--tls-cert=" + certPem, "--tls-key=" + keyPem,
                "--watch-container-credentials-config=" + identitiesFile.toAbsolutePath(),
                "--token-expiration=" + tokenExpirationSeconds, "--logtostderr"),
                null, webhook.dir.resolve("webhook.log"), webhook.dir.resolve("webhook.pid"));
        try {
            webhook.awaitHealthy(trust, Duration.ofSeconds(20));
        } catch (RuntimeException e) {
            webhook.close();
            throw e;
        }
        return webhook;
    }

    private void awaitHealthy(SSLContext trust, Duration timeout) throws IOException {
        HttpClient http = HttpClient.newBuilder().sslContext(trust).connectTimeout(Duration.ofSeconds(1)).build();
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!Proc.alive(dir.resolve("webhook.pid"))) {
                throw new IllegalStateException(BINARY + " exited: " + log());
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/healthz"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            KubeApiServer.sleep(100);
        }
        throw new IllegalStateException(BINARY + " not healthy after " + timeout + ": " + log());
    }

    /** {@code https://127.0.0.1:PORT}; the API server calls {@code /mutate}. */
    public String url() {
        return "https://127.0.0.1:" + port;
    }

    /** What it logged. */
    public String log() throws IOException {
        return Files.readString(dir.resolve("webhook.log"));
    }

    @Override
    public void close() {
        Proc.stop(dir.resolve("webhook.pid"), BINARY);
    }
}
