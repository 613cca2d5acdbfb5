package dev.podidentity.local.k8s;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podidentity.local.LocalStack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * The real-component test tier's fixture, one per test class: the local stack over https, etcd + the real
 * kube-apiserver, {@code cluster/install} run for real against both (issuer and keys read with kubectl, the webhook
 * URL the registration returned, {@code --ca-bundle} = the stack's CA), a network namespace of its own carrying the
 * agent's link-local addresses, the stack's API and STS ports bridged into it, and the stock agent inside with the
 * applied DaemonSet's args and env. Clients that must reach the agent run inside too ({@link AgentClient}, the AWS
 * CLI through {@link #inNamespace}).
 *
 * <p>Without the binaries ({@link K8sBinaries}) the tests are skipped with a message saying how to get them; under
 * {@code CI=true} they fail instead.
 */
public final class RealCluster implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final LocalStack stack;
    final KubeApiServer k8s;
    final String cluster;
    final String installOutput;
    final NetNs ns;
    final NsBridge bridge;
    final StockAgent agent;

    private final List<AutoCloseable> open = new ArrayList<>();

    /** The binaries, or the test is skipped (failed under CI=true) with how to get them. */
    static K8sBinaries binariesOrSkip() {
        String missing = K8sBinaries.missing();
        if (missing != null) {
            String message = "real-component tier skipped: " + missing + ". To run it: " + K8sBinaries.HOW_TO_GET;
            if ("true".equals(System.getenv("CI"))) {
                fail(message);
            }
            System.out.println(message);
            assumeTrue(false, message);
        }
        return K8sBinaries.find().orElseThrow();
    }

    /** The stock webhook binary beside the others, or the test is skipped (failed under CI=true) with how to get it. */
    static Path stockWebhookOrSkip() {
        Path binary = StockWebhook.binary(binariesOrSkip());
        if (binary == null) {
            String message = "stock-webhook tests skipped: " + K8sBinaries.ENV + " has no " + StockWebhook.BINARY
                    + " (v0.6.4: build it from the aws/amazon-eks-pod-identity-webhook tag v0.6.4, or copy /webhook from"
                    + " the image public.ecr.aws/eks/amazon-eks-pod-identity-webhook:v0.6.4)";
            if ("true".equals(System.getenv("CI"))) {
                fail(message);
            }
            System.out.println(message);
            assumeTrue(false, message);
        }
        return binary;
    }

    RealCluster(String cluster) throws Exception {
        K8sBinaries bins = binariesOrSkip();
        this.cluster = cluster;
        this.dir = Files.createTempDirectory("pod-identity-k8s-");
        try {
            long t0 = System.nanoTime();
            stack = keep(LocalStack.start(LocalStack.Options.defaults().withTls(dir.resolve("tls"))));
            long t1 = System.nanoTime();
            k8s = keep(KubeApiServer.start(bins, dir.resolve("k8s"), stack.tls()));
            long t2 = System.nanoTime();
            // what a cluster's controllers would have made: the default service account (install's dry-run pod uses it)
            k8s.createServiceAccount("default", "default");
            installOutput = install().orThrow("cluster/install");
            long t3 = System.nanoTime();
            ns = keep(NetNs.create("pi-test"));
            bridge = keep(NsBridge.start(ns, dir.resolve("bridge"),
                    List.of(URI.create(stack.apiUrl()).getPort(), URI.create(stack.awsEndpoint()).getPort())));
            agent = keep(StockAgent.start(bins, ns, k8s, stack.caCertificate(), dir.resolve("agent")));
            System.out.printf("real tier started: stack+TLS %d ms, kube-apiserver %d ms, cluster/install %d ms, namespace+bridge+agent %d ms%n",
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (System.nanoTime() - t3) / 1_000_000);
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private <T extends AutoCloseable> T keep(T resource) {
        open.add(0, resource);
        return resource;
    }

    /** {@code cluster/install} for real, with the stack's admin credentials and CA. */
    Proc.Result install(String... extra) {
        return ClusterInstall.run(stack, k8s, cluster, extra);
    }

    EksClient eks() {
        return stack.eksClient(stack.adminCredentials());
    }

    /** Calls the stack's API signed (SigV4, execute-api) as its admin, over https; answers status and body. */
    HttpResponse<String> signed(String method, String path, String body) throws IOException {
        AwsBasicCredentials admin = stack.adminCredentials();
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        SdkHttpRequest request = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(admin.accessKeyId(), admin.secretAccessKey()))
                .request(SdkHttpRequest.builder().uri(URI.create(stack.apiUrl() + path))
                        .method(SdkHttpMethod.fromValue(method)).putHeader("Content-Type", "application/json").build())
                .payload(ContentStreamProvider.fromByteArray(payload))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api")
                .putProperty(AwsV4HttpSigner.REGION_NAME, stack.region())).request();
        HttpRequest.Builder out = HttpRequest.newBuilder(request.getUri())
                .method(method, HttpRequest.BodyPublishers.ofByteArray(payload));
        request.headers().forEach((k, vs) -> {
            if (!k.equalsIgnoreCase("host") && !k.equalsIgnoreCase("content-length")) {
                vs.forEach(v -> out.header(k, v));
            }
        });
        HttpClient http = HttpClient.newBuilder().sslContext(stack.tls().clientContext()).build();
        try {
            return http.send(out.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** A role the credential broker may assume and tag. */
    String role(String name) {
        String trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\""
                + stack.brokerRoleArn() + "\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"]}]}";
        try (IamClient iam = stack.iamClient()) {
            return iam.createRole(r -> r.roleName(name).assumeRolePolicyDocument(trust)).role().arn();
        }
    }

    /** The STS stand-in, reachable inside the namespace at the same URL (bridged). */
    String stsEndpoint() {
        return stack.awsEndpoint();
    }

    /** Runs a command inside the namespace (e.g. the AWS CLI) with {@code env} added. */
    Proc.Result inNamespace(List<String> command, Map<String, String> env) {
        return ns.run(command, env, Duration.ofSeconds(60));
    }

    /** A pod's env var as the API server stored it (after every webhook). */
    static String env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (name.equals(e.path("name").asText())) {
                return e.path("value").asText();
            }
        }
        return null;
    }

    Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    @Override
    public void close() {
        for (AutoCloseable resource : open) {
            try {
                resource.close();
            } catch (Exception e) {
                System.err.println("closing " + resource.getClass().getSimpleName() + ": " + e);
            }
        }
        open.clear();
        if (!"true".equals(System.getenv("POD_IDENTITY_K8S_KEEP"))) {
            deleteTree(dir);
        } else {
            System.out.println("kept " + dir);
        }
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind
        }
    }
}
