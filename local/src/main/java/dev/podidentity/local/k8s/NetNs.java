package dev.podidentity.local.k8s;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A network namespace of the test's own (unique name per run, deleted on close) whose loopback carries the node
 * agent's link-local addresses, 169.254.170.23/32 and fd00:ec2::23/128, as the agent's init container puts them on
 * a node: the agent can bind them and a pod-like client reach them, without touching the host's addresses or routes.
 * Processes run inside with {@code ip netns exec NAME ...} ({@link #command}); a process outside cannot reach the
 * namespace's loopback, nor one inside the host's: {@link NsBridge} carries chosen host ports inside.
 */
public final class NetNs implements AutoCloseable {
    public static final String AGENT_IPV4 = "169.254.170.23";
    public static final String AGENT_IPV6 = "fd00:ec2::23";

    private final String name;

    private NetNs(String name) {
        this.name = name;
    }

    /** Creates {@code PREFIX-PID-RANDOM} with lo up and the agent's addresses on it. */
    public static NetNs create(String prefix) {
        String name = prefix + "-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
        ip("netns", "add", name);
        NetNs ns = new NetNs(name);
        try {
            ip("-n", name, "link", "set", "lo", "up");
            ip("-n", name, "addr", "add", AGENT_IPV4 + "/32", "dev", "lo");
            ip("-n", name, "addr", "add", AGENT_IPV6 + "/128", "dev", "lo");
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    private static void ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Proc.run(command, null, null, Duration.ofSeconds(20)).orThrow(String.join(" ", command));
    }

    public String name() {
        return name;
    }

    /** {@code command} prefixed to run inside this namespace. */
    public List<String> command(List<String> command) {
        return Proc.concat(List.of("ip", "netns", "exec", name), command);
    }

    /** Runs a command inside this namespace to completion. */
    public Proc.Result run(List<String> command, Map<String, String> env, Duration timeout) {
        return Proc.run(command(command), env, null, timeout);
    }

    /** Deletes the namespace (processes still inside keep it alive until they exit: stop them first). */
    @Override
    public void close() {
        Proc.run(List.of("ip", "netns", "delete", name), null, null, Duration.ofSeconds(20));
    }
}
