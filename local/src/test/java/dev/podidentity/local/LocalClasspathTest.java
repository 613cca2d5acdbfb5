package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code local/bin/env.sh}'s {@code ensure_built} gives the local stack this checkout's own classes: run on a small
 * reactor of the same shape (this project's parent POM, a {@code pod-identity-functions} module, a {@code
 * pod-identity-local} module depending on it) in a temporary checkout, the classpath it writes names that checkout's
 * {@code functions/target} jar and nothing of {@code dev/podidentity} in the shared local Maven repository; a second
 * call builds nothing; a changed functions source is rebuilt into the jar the classpath names; Maven's output has no
 * escape codes.
 */
class LocalClasspathTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    record Result(int exit, String output) {
    }

    @Test
    void ensureBuilt_namesThisCheckoutsBuildOutputs_neverTheSharedRepository(@TempDir Path checkout) throws Exception {
        String parent = Files.readString(ROOT.resolve("pom.xml"))
                .replaceAll("(?s)<modules>.*?</modules>", "<modules><module>functions</module><module>local</module></modules>");
        Files.writeString(checkout.resolve("pom.xml"), parent);
        Files.copy(ROOT.resolve("spotbugs-exclude.xml"), checkout.resolve("spotbugs-exclude.xml"));
        module(checkout, "functions", "pod-identity-functions", "", "Handler", "v1");
        module(checkout, "local", "pod-identity-local", """
                <dependencies>
                  <dependency>
                    <groupId>dev.podidentity</groupId>
                    <artifactId>pod-identity-functions</artifactId>
                  </dependency>
                </dependencies>""", "Stack", "local");
        Files.createDirectories(checkout.resolve("local/bin"));
        Files.copy(ROOT.resolve("local/bin/env.sh"), checkout.resolve("local/bin/env.sh"));

        Result first = ensureBuilt(checkout);
        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(first.output()).as("Maven's output in a log").doesNotContain("\u001b");
        List<String> classpath = classpath(first);
        Path functionsJar = checkout.resolve("functions/target/pod-identity-functions-0.1.0-SNAPSHOT.jar");
        assertThat(classpath.get(0)).isEqualTo(checkout.resolve("local/target/pod-identity-local-0.1.0-SNAPSHOT.jar").toString());
        assertThat(classpath).contains(functionsJar.toString());
        assertThat(classpath).as("nothing of this project from the shared local repository")
                .noneMatch(entry -> entry.contains("/dev/podidentity/"));

        Path stamp = checkout.resolve("local/target/ensure-built.stamp");
        FileTime built = Files.getLastModifiedTime(stamp);
        Result again = ensureBuilt(checkout);
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(Files.getLastModifiedTime(stamp)).as("nothing changed: no build").isEqualTo(built);

        // a change in functions reaches the jar the classpath names, with no install anywhere
        Path source = checkout.resolve("functions/src/main/java/dev/podidentity/Handler.java");
        Files.writeString(source, Files.readString(source).replace("\"v1\"", "\"v2\""));
        Files.setLastModifiedTime(source, FileTime.from(Instant.now().plusSeconds(2)));
        Result rebuilt = ensureBuilt(checkout);
        assertThat(rebuilt.exit()).as(rebuilt.output()).isZero();
        assertThat(classpath(rebuilt)).contains(functionsJar.toString());
        try (var jar = new java.util.jar.JarFile(functionsJar.toFile())) {
            byte[] handler = jar.getInputStream(jar.getEntry("dev/podidentity/Handler.class")).readAllBytes();
            assertThat(new String(handler, StandardCharsets.ISO_8859_1)).contains("v2").doesNotContain("v1");
        }
    }

    static void module(Path checkout, String dir, String artifactId, String dependencies, String className, String value)
            throws IOException {
        Files.createDirectories(checkout.resolve(dir).resolve("src/main/java/dev/podidentity"));
        Files.writeString(checkout.resolve(dir).resolve("pom.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <parent>
                    <groupId>dev.podidentity</groupId>
                    <artifactId>pod-identity-parent</artifactId>
                    <version>0.1.0-SNAPSHOT</version>
                  </parent>
                  <artifactId>%s</artifactId>
                  %s
                </project>
                """.formatted(artifactId, dependencies));
        Files.writeString(checkout.resolve(dir).resolve("src/main/java/dev/podidentity/" + className + ".java"), """
                package dev.podidentity;

                /** A class of the temporary checkout. */
                public final class %1$s {
                    private %1$s() {
                    }

                    /** Which build this is. */
                    public static String version() {
                        return "%2$s";
                    }
                }
                """.formatted(className, value));
    }

    static List<String> classpath(Result result) {
        List<String> lines = result.output().lines().toList();
        return Arrays.asList(lines.get(lines.size() - 1).split(File.pathSeparator));
    }

    /** {@code source local/bin/env.sh; ensure_built; local_classpath} in the checkout, as the launcher runs them. */
    static Result ensureBuilt(Path checkout) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "set -euo pipefail; source local/bin/env.sh; ensure_built; local_classpath")
                .directory(checkout.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().remove("POD_IDENTITY_LOCAL_CLASSPATH");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("ensure_built timed out:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }
}
