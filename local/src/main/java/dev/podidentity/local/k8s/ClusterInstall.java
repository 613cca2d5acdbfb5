package dev.podidentity.local.k8s;

import dev.podidentity.local.LocalStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs this checkout's {@code cluster/install} for real against a local stack (over https) and a {@link KubeApiServer}. */
public final class ClusterInstall {
    private ClusterInstall() {
    }

    /** {@code cluster/install}, found from the working directory upwards. */
    public static Path script() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("cluster/install"))) {
                return dir.resolve("cluster/install");
            }
        }
        throw new IllegalStateException("cluster/install not found above " + Path.of("").toAbsolutePath());
    }

    /**
     * {@code cluster/install --cluster NAME --api-url API --region R --ca-bundle CA --kubeconfig K [extra]} with the
     * stack's admin credentials (and nothing else of this process's AWS settings).
     */
    public static Proc.Result run(LocalStack stack, KubeApiServer k8s, String cluster, String... extra) {
        List<String> command = new ArrayList<>(List.of(script().toString(), "--cluster", cluster,
                "--api-url", stack.apiUrl() + "/", "--region", stack.region(),
                "--ca-bundle", stack.caCertificate().toString(), "--kubeconfig", k8s.kubeconfig().toString()));
        command.addAll(List.of(extra));
        return Proc.run(command, Map.of("AWS_ACCESS_KEY_ID", stack.adminCredentials().accessKeyId(),
                "AWS_SECRET_ACCESS_KEY", stack.adminCredentials().secretAccessKey(), "AWS_SESSION_TOKEN", "",
                "AWS_PROFILE", ""), null, Duration.ofSeconds(120));
    }
}
