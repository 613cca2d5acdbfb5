package dev.podidentity.local.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.local.Tls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * A throw-away Kubernetes control plane for tests: etcd and the real kube-apiserver on free 127.0.0.1 ports, with
 * their data, keys, logs and PID files in one directory; no kubelet, scheduler or controllers (pods stay Pending,
 * nothing creates service accounts). Serves https with the given {@link Tls} certificate (for 127.0.0.1), signs
 * service-account tokens with an RSA key of its own ({@link #resign}), authenticates an admin bearer token and lets
 * anyone read the OIDC discovery documents, as a public issuer does. Stopped by recorded PID, never by name.
 *
 * <pre>{@code
 * try (KubeApiServer k8s = KubeApiServer.start(bins, dir, tls)) {
 *     k8s.kubectl("create", "serviceaccount", "app");
 *     String token = k8s.podToken("default", "app", "pod-1", uid, 86400);
 * }
 * }</pre>
 */
public final class KubeApiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The audience of the pod tokens EKS Pod Identity uses. */
    public static final String POD_AUDIENCE = "pods.eks.amazonaws.com";

    private final Path dir;
    private final String url;
    private final String adminToken;
    private final Path kubeconfig;
    private final PrivateKey signingKey;
    private final HttpClient http;

    private KubeApiServer(Path dir, String url, String adminToken, Path kubeconfig, PrivateKey signingKey, Tls tls) {
        this.dir = dir;
        this.url = url;
        this.adminToken = adminToken;
        this.kubeconfig = kubeconfig;
        this.signingKey = signingKey;
        this.http = HttpClient.newBuilder().sslContext(tls.clientContext()).connectTimeout(Duration.ofSeconds(2)).build();
    }

    /** Starts etcd and kube-apiserver in {@code dir} (created; must not hold a running one) and waits until ready. */
    public static KubeApiServer start(K8sBinaries bins, Path dir, Tls tls) throws IOException {
        Path run = dir.toAbsolutePath();
        Files.createDirectories(run.resolve("etcd-data"));
        Files.createDirectories(run.resolve("pids"));
        Files.createDirectories(run.resolve("logs"));
        Files.setPosixFilePermissions(run.resolve("etcd-data"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        KeyPair sa;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            sa = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IOException("no RSA key generator", e);
        }
        Files.writeString(run.resolve("sa.key"), Tls.pem("PRIVATE KEY", sa.getPrivate().getEncoded()));
        Files.writeString(run.resolve("sa.pub"), Tls.pem("PUBLIC KEY", sa.getPublic().getEncoded()));
        String adminToken = HexFormat.of().formatHex(java.security.SecureRandom.getSeed(24));
        Files.writeString(run.resolve("tokens.csv"), adminToken + ",admin,admin-uid,system:masters\n");

        int etcdPort = Proc.freeListenPort();
        int peerPort = Proc.freeListenPort();
        int apiPort = Proc.freeListenPort();
        String etcdUrl = "http://127.0.0.1:" + etcdPort;
        Proc.background(List.of(bins.etcd().toString(), "--name", "k8s-test", "--data-dir", run.resolve("etcd-data").toString(),
                "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
                "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-cluster", "k8s-test=http://127.0.0.1:" + peerPort, "--initial-cluster-state", "new"),
                null, run.resolve("logs/etcd.log"), run.resolve("pids/etcd.pid"));
        String url = "https://127.0.0.1:" + apiPort;
        // --endpoint-reconciler-type=none: the default would try to publish 127.0.0.1 in the 'kubernetes' Endpoints,
        // which validation refuses (loopback), logging an error every 10 s. The issuer is the API server's URL.
        Proc.background(List.of(bins.apiServer().toString(),
                "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + apiPort,
                "--etcd-servers=" + etcdUrl,
                "--tls-cert-file=" + tls.serverPem(), "--tls-private-key-file=" + tls.serverKeyPem(),
                "--token-auth-file=" + run.resolve("tokens.csv"),
                "--authorization-mode=Node,RBAC",
                "--service-account-issuer=" + url,
                "--service-account-key-file=" + run.resolve("sa.pub"),
                "--service-account-signing-key-file=" + run.resolve("sa.key"),
                "--api-audiences=https://kubernetes.default.svc," + url,
                "--service-cluster-ip-range=10.0.0.0/24",
                "--allow-privileged=true", // the agent DaemonSet's init container is privileged
                "--endpoint-reconciler-type=none", "--profiling=false", "--v=1"),
                null, run.resolve("logs/kube-apiserver.log"), run.resolve("pids/kube-apiserver.pid"));
        Path kubeconfig = run.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster: {server: SERVER, certificate-authority-data: CA_DATA}
                users:
                - name: admin
                  user: {token: ADMIN_TOKEN}
                contexts:
                - name: test
                  context: {cluster: test, user: admin}
                current-context: test
                """.replace("SERVER", url).replace("CA_DATA", Base64.getEncoder().encodeToString(Files.readAllBytes(tls.caPem())))
                .replace("ADMIN_TOKEN", adminToken));
        Files.setPosixFilePermissions(kubeconfig, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        KubeApiServer server = new KubeApiServer(run, url, adminToken, kubeconfig, sa.getPrivate(), tls);
        try {
            server.awaitReady(Duration.ofSeconds(60));
            // as a public OIDC issuer: anyone may read /.well-known/openid-configuration and /openid/v1/jwks
            server.kubectl("create", "clusterrolebinding", "service-account-issuer-discovery-unauthenticated",
                    "--clusterrole=system:service-account-issuer-discovery", "--group=system:unauthenticated")
                    .orThrow("granting OIDC discovery");
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            for (String name : List.of("etcd", "kube-apiserver")) {
                if (!alive(name)) {
                    throw new IllegalStateException(name + " exited: see " + dir.resolve("logs/" + name + ".log") + "\n" + tail(name));
                }
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/readyz"))
                        .header("Authorization", "Bearer " + adminToken).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            sleep(250);
        }
        throw new IllegalStateException("kube-apiserver not ready after " + timeout + ": " + last);
    }

    private boolean alive(String name) {
        return Proc.alive(dir.resolve("pids/" + name + ".pid"));
    }

    private String tail(String name) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("logs/" + name + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The API server's URL (also its service-account issuer). */
    public String url() {
        return url;
    }

    public String issuer() {
        return url;
    }

    /** A kubeconfig for the admin (mode 600). */
    public Path kubeconfig() {
        return kubeconfig;
    }

    /** Runs {@code kubectl --kubeconfig K args...}. */
    public Proc.Result kubectl(String... args) {
        return kubectlWithInput(null, args);
    }

    /** Runs kubectl with {@code input} on its stdin (e.g. {@code -f -}). */
    public Proc.Result kubectlWithInput(String input, String... args) {
        List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        return Proc.run(command, null, input, Duration.ofSeconds(60));
    }

    /** Calls the API as the admin; answers the status and body. */
    public HttpResponse<String> api(String method, String path, String jsonBody) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path))
                .header("Authorization", "Bearer " + adminToken).timeout(Duration.ofSeconds(30))
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        if (jsonBody != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Creates a pod from its JSON manifest through the API (POST, so admission webhooks run); answers the stored pod. */
    public JsonNode createPod(String namespace, String podJson) throws IOException {
        HttpResponse<String> r = api("POST", "/api/v1/namespaces/" + namespace + "/pods", podJson);
        if (r.statusCode() != 201) {
            throw new IllegalStateException("pod create answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** Creates a service account (no controller does it here, not even {@code default}). */
    public void createServiceAccount(String namespace, String name) {
        kubectl("-n", namespace, "create", "serviceaccount", name).orThrow("create serviceaccount " + name);
    }

    /**
     * The token a kubelet projects for a pod: TokenRequest for the pod's service account, bound to the pod, with the
     * audience {@value #POD_AUDIENCE} and the given lifetime (the projected volume's expirationSeconds).
     */
    public String podToken(String namespace, String serviceAccount, String pod, String podUid, long expirationSeconds)
            throws IOException {
        ObjectNode body = JSON.createObjectNode().put("apiVersion", "authentication.k8s.io/v1").put("kind", "TokenRequest");
        ObjectNode spec = body.putObject("spec");
        spec.putArray("audiences").add(POD_AUDIENCE);
        spec.put("expirationSeconds", expirationSeconds);
        spec.putObject("boundObjectRef").put("apiVersion", "v1").put("kind", "Pod").put("name", pod).put("uid", podUid);
        HttpResponse<String> r = api("POST", "/api/v1/namespaces/" + namespace + "/serviceaccounts/" + serviceAccount
                + "/token", JSON.writeValueAsString(body));
        if (r.statusCode() != 201) {
            throw new IllegalStateException("TokenRequest answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body()).path("status").path("token").asText();
    }

    /**
     * {@code token} with its claims changed by {@code edit} and signed again with this API server's own key: e.g. an
     * expired copy of a real pod token (TokenRequest refuses lifetimes under 10 minutes).
     */
    public String resign(String token, java.util.function.Consumer<ObjectNode> edit) {
        String[] parts = token.split("\\.");
        try {
            ObjectNode claims = (ObjectNode) JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            edit.accept(claims);
            String signed = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(JSON.writeValueAsBytes(claims));
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(signingKey);
            rs256.update(signed.getBytes(StandardCharsets.US_ASCII));
            return signed + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(rs256.sign());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot re-sign the token", e);
        }
    }

    /** The run directory (logs in {@code logs/}). */
    public Path dir() {
        return dir;
    }

    /** Stops kube-apiserver, then etcd, by their recorded PIDs. */
    @Override
    public void close() {
        Proc.stop(dir.resolve("pids/kube-apiserver.pid"), dir.toString());
        Proc.stop(dir.resolve("pids/etcd.pid"), dir.toString());
    }
}
