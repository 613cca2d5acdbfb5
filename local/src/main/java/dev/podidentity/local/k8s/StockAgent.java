package dev.podidentity.local.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stock eks-pod-identity-agent, run inside a {@link NetNs} exactly as the DaemonSet that {@code cluster/install}
 * applied runs it on a node: the container's {@code args} and {@code env} read back from the API server, plus
 * {@code SSL_CERT_FILE} so it trusts the local stack's CA (a node trusts the API's certificate through its system
 * roots). Stopped by recorded PID.
 */
public final class StockAgent implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String NAMESPACE = "pod-identity-system";
    public static final String DAEMONSET = "eks-pod-identity-agent";

    private final Path dir;
    private final List<String> args;
    private final Map<String, String> env;

    private StockAgent(Path dir, List<String> args, Map<String, String> env) {
        this.dir = dir;
        this.args = args;
        this.env = env;
    }

    /** The {@code server} arguments and environment of the applied DaemonSet's agent container. */
    public static Map.Entry<List<String>, Map<String, String>> fromDaemonSet(KubeApiServer k8s) throws IOException {
        JsonNode ds = JSON.readTree(k8s.kubectl("-n", NAMESPACE, "get", "daemonset", DAEMONSET, "-o", "json")
                .orThrow("reading the applied DaemonSet"));
        for (JsonNode container : ds.path("spec").path("template").path("spec").path("containers")) {
            if (!DAEMONSET.equals(container.path("name").asText())) {
                continue;
            }
            List<String> command = new ArrayList<>();
            container.path("command").forEach(c -> command.add(c.asText()));
            if (!command.contains("server")) {
                throw new IllegalStateException("the agent container does not run 'server': " + command);
            }
            List<String> args = new ArrayList<>(List.of("server"));
            container.path("args").forEach(a -> args.add(a.asText()));
            Map<String, String> env = new LinkedHashMap<>();
            for (JsonNode e : container.path("env")) {
                if (e.has("valueFrom")) {
                    throw new IllegalStateException("env " + e.path("name").asText() + " comes from a reference the harness cannot resolve");
                }
                env.put(e.path("name").asText(), e.path("value").asText());
            }
            return Map.entry(args, env);
        }
        throw new IllegalStateException("the DaemonSet has no container named " + DAEMONSET);
    }

    /** Starts the agent in {@code ns} with the DaemonSet's args/env, trusting {@code caPem}; waits until it serves. */
    public static StockAgent start(K8sBinaries bins, NetNs ns, KubeApiServer k8s, Path caPem, Path dir) throws IOException {
        Files.createDirectories(dir);
        Map.Entry<List<String>, Map<String, String>> spec = fromDaemonSet(k8s);
        Map<String, String> env = new LinkedHashMap<>(spec.getValue());
        env.put("SSL_CERT_FILE", caPem.toAbsolutePath().toString());
        StockAgent agent = new StockAgent(dir.toAbsolutePath(), spec.getKey(), env);
        List<String> command = new ArrayList<>(List.of(bins.agent().toString()));
        command.addAll(spec.getKey());
        // the DaemonSet's env only: the agent must not inherit the test's own AWS settings
        List<String> clean = new ArrayList<>(List.of("env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"));
        env.forEach((k, v) -> clean.add(k + "=" + v));
        clean.addAll(command);
        Proc.background(ns.command(clean), null, agent.dir.resolve("agent.log"), agent.dir.resolve("agent.pid"));
        agent.awaitServing(Duration.ofSeconds(20));
        return agent;
    }

    private void awaitServing(Duration timeout) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            String log = Files.readString(dir.resolve("agent.log"));
            // it logs one "Starting server..." line per bound address once listening
            if (log.contains("Starting server")) {
                KubeApiServer.sleep(200);
                return;
            }
            if (!alive()) {
                throw new IllegalStateException("eks-pod-identity-agent exited: " + log);
            }
            KubeApiServer.sleep(50);
        }
        throw new IllegalStateException("eks-pod-identity-agent did not start in " + timeout + ": "
                + Files.readString(dir.resolve("agent.log")));
    }

    private boolean alive() {
        return Proc.alive(dir.resolve("agent.pid"));
    }

    /** The arguments it runs with ({@code server ...}, from the DaemonSet). */
    public List<String> args() {
        return List.copyOf(args);
    }

    /** The environment it runs with (the DaemonSet's, plus SSL_CERT_FILE). */
    public Map<String, String> env() {
        return Map.copyOf(env);
    }

    /** What the agent logged. */
    public String log() throws IOException {
        return Files.readString(dir.resolve("agent.log"));
    }

    @Override
    public void close() {
        Proc.stop(dir.resolve("agent.pid"), "eks-pod-identity-agent");
    }
}
