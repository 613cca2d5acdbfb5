package dev.podidentity.local.k8s;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the real Kubernetes components are: the directory named by {@value #ENV} (or the system property
 * {@value #PROPERTY}) holding {@code kube-apiserver}, {@code etcd} and {@code eks-pod-identity-agent}.
 */
public record K8sBinaries(Path dir) {
    public static final String ENV = "POD_IDENTITY_K8S_BIN";
    public static final String PROPERTY = "podidentity.k8s.bin";
    public static final List<String> NAMES = List.of("kube-apiserver", "etcd", "eks-pod-identity-agent");

    /** How to get the binaries, for a skipped test or a benchmark section left out. */
    public static final String HOW_TO_GET = "set " + ENV + " to a directory with kube-apiserver (v1.32, from the"
            + " Kubernetes release archive kubernetes-server-linux-amd64.tar.gz), etcd (v3.4+, from the etcd release"
            + " archive) and eks-pod-identity-agent (0.1.37: /eks-pod-identity-agent from the image"
            + " public.ecr.aws/eks/eks-pod-identity-agent:0.1.37), and run as root (the agent runs in a network"
            + " namespace of the test's own: ip netns)";

    /** The binaries when all are present and this process may create network namespaces, else empty. */
    public static Optional<K8sBinaries> find() {
        return Optional.ofNullable(missing() == null ? new K8sBinaries(directory()) : null);
    }

    /** Why the binaries cannot be used here (null when they can). */
    public static String missing() {
        Path dir = directory();
        if (dir == null) {
            return ENV + " is not set";
        }
        for (String name : NAMES) {
            if (!Files.isExecutable(dir.resolve(name))) {
                return dir.resolve(name) + " is missing or not executable";
            }
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not running as root (ip netns needs it)";
        }
        if (java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .noneMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "ip")))) {
            return "the ip command (iproute2) is missing";
        }
        return null;
    }

    private static Path directory() {
        String value = System.getProperty(PROPERTY, System.getenv(ENV));
        return value == null || value.isBlank() ? null : Path.of(value).toAbsolutePath();
    }

    public Path apiServer() {
        return dir.resolve("kube-apiserver");
    }

    public Path etcd() {
        return dir.resolve("etcd");
    }

    public Path agent() {
        return dir.resolve("eks-pod-identity-agent");
    }
}
