package dev.podidentity.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.local.LocalStack;
import dev.podidentity.local.k8s.AgentClient;
import dev.podidentity.local.k8s.ClusterInstall;
import dev.podidentity.local.k8s.K8sBinaries;
import dev.podidentity.local.k8s.KubeApiServer;
import dev.podidentity.local.k8s.NetNs;
import dev.podidentity.local.k8s.NsBridge;
import dev.podidentity.local.k8s.StockAgent;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * The benchmark's section on real components (when {@link K8sBinaries} are there): pod CREATE through the real
 * kube-apiserver without and with our webhook, and credential fetches through the stock agent (every token a new one,
 * so every fetch is a cache miss that reaches the API and STS).
 */
final class RealClusterBench {
    private RealClusterBench() {
    }

    /** Measures {@code n} of each; answers the results, says the lines through {@code say}. */
    static Map<String, Object> run(int n, Consumer<String> say) throws Exception {
        Map<String, Object> results = new LinkedHashMap<>();
        String missing = K8sBinaries.missing();
        say.accept("## Real kube-apiserver and the stock agent");
        say.accept("");
        if (missing != null) {
            say.accept("Skipped: " + missing + ". To measure it: " + K8sBinaries.HOW_TO_GET + ".");
            say.accept("");
            results.put("skipped", missing);
            return results;
        }
        K8sBinaries bins = K8sBinaries.find().orElseThrow();
        Path dir = Files.createTempDirectory("pod-identity-bench-k8s-");
        String cluster = "bench-" + ProcessHandle.current().pid();
        try (LocalStack stack = LocalStack.start(LocalStack.Options.defaults().withTls(dir.resolve("tls")));
             KubeApiServer k8s = KubeApiServer.start(bins, dir.resolve("k8s"), stack.tls())) {
            k8s.createServiceAccount("default", "default");
            k8s.createServiceAccount("default", "app");
            for (int i = 0; i < 5; i++) {
                k8s.createPod("default", pod("warm-" + i));
            }
            Stats without = creates(k8s, "plain-", n, new ArrayList<>());
            ClusterInstall.run(stack, k8s, cluster).orThrow("cluster/install");
            String trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\""
                    + stack.brokerRoleArn() + "\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"]}]}";
            String role;
            try (IamClient iam = stack.iamClient()) {
                role = iam.createRole(r -> r.roleName("bench-app").assumeRolePolicyDocument(trust)).role().arn();
            }
            try (EksClient eks = stack.eksClient(stack.adminCredentials())) {
                eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("default").serviceAccount("app").roleArn(role));
            }
            for (int i = 0; i < 5; i++) {
                k8s.createPod("default", pod("hooked-warm-" + i));
            }
            List<JsonNode> pods = new ArrayList<>();
            Stats with = creates(k8s, "hooked-", n, pods);
            say.accept("| pod CREATE through kube-apiserver v1.32 (" + n + " sequential) | p50 ms | p99 ms |");
            say.accept("|---|---|---|");
            say.accept(row("without the webhook", without));
            say.accept(row("with our webhook (https, local stack, pod patched)", with));
            results.put("podCreateWithoutWebhookMs", Map.of("p50", without.percentileMs(50), "p99", without.percentileMs(99)));
            results.put("podCreateWithWebhookMs", Map.of("p50", with.percentileMs(50), "p99", with.percentileMs(99)));

            List<String> files = new ArrayList<>(List.of("time", "http://" + NetNs.AGENT_IPV4 + "/v1/credentials"));
            for (JsonNode pod : pods) {
                String name = pod.path("metadata").path("name").asText();
                Path token = dir.resolve(name + ".token");
                Files.writeString(token, k8s.podToken("default", "app", name, pod.path("metadata").path("uid").asText(), 3600));
                files.add(token.toString());
            }
            try (NetNs ns = NetNs.create("pi-bench");
                 NsBridge bridge = NsBridge.start(ns, dir.resolve("bridge"), List.of(URI.create(stack.apiUrl()).getPort(),
                         URI.create(stack.awsEndpoint()).getPort()));
                 StockAgent agent = StockAgent.start(bins, ns, k8s, stack.caCertificate(), dir.resolve("agent"))) {
                say.accept("");
                say.accept("The agent ran in the network namespace " + ns.name() + " (ports " + bridge.ports()
                        + " bridged in) as the applied DaemonSet runs it: `eks-pod-identity-agent "
                        + String.join(" ", agent.args()) + "`.");
                List<JsonNode> answers = AgentClient.run(ns, Map.of(), files);
                // the first few warm the client JVM and the stack's connections
                int skip = Math.min(5, answers.size() - 1);
                long[] nanos = new long[answers.size() - skip];
                int ok = 0;
                for (int i = skip; i < answers.size(); i++) {
                    nanos[i - skip] = answers.get(i).path("micros").asLong() * 1000;
                    ok += answers.get(i).path("status").asInt() == 200 ? 1 : 0;
                }
                Stats fetch = Stats.of(nanos, nanos.length);
                say.accept("");
                say.accept("| credential fetch through the stock agent 0.1.37 (cache miss: new token each) | p50 ms | p99 ms |");
                say.accept("|---|---|---|");
                say.accept(row("GET /v1/credentials → AssumeRoleForPodIdentity (https) → STS (" + fetch.count() + ", " + ok + " OK)", fetch));
                results.put("agentFetchMs", Map.of("p50", fetch.percentileMs(50), "p99", fetch.percentileMs(99), "ok", ok,
                        "count", fetch.count()));
            }
        } finally {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException ignored) {
                // a temp dir left behind
            }
        }
        say.accept("");
        return results;
    }

    private static String pod(String name) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"serviceAccountName\":\"app\","
                + "\"containers\":[{\"name\":\"app\",\"image\":\"registry.invalid/app:1\"}]}}";
    }

    private static Stats creates(KubeApiServer k8s, String prefix, int n, List<JsonNode> pods) throws IOException {
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            JsonNode pod = k8s.createPod("default", pod(prefix + i));
            nanos[i] = System.nanoTime() - start;
            pods.add(pod);
        }
        return Stats.of(nanos, n);
    }

    private static String row(String what, Stats s) {
        return String.format(java.util.Locale.ROOT, "| %s | %.1f | %.1f |", what, s.percentileMs(50), s.percentileMs(99));
    }
}
