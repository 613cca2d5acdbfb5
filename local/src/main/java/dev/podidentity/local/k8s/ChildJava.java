package dev.podidentity.local.k8s;

import java.nio.file.Path;
import java.util.List;

/** The command line that runs a main class of this module in a child JVM with this JVM's class path. */
final class ChildJava {
    private ChildJava() {
    }

    static List<String> command(Class<?> main) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), main.getName());
    }
}
