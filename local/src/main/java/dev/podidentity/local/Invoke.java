package dev.podidentity.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podidentity.api.Route;
import dev.podidentity.handlers.Routes;
import dev.podidentity.local.gateway.LambdaInvoker;
import dev.podidentity.local.gateway.LocalContext;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code sam local invoke} without Docker: runs one event file through its handler in a fresh JVM, the way Lambda's
 * Java runtime does (no-arg constructor, the event's bytes to the stream handler, the function's environment),
 * against the local stack, and prints the response.
 *
 * <pre>invoke [--stack FILE (default $POD_IDENTITY_LOCAL_STATE, else .local-data/stack.json)] OPERATION|HANDLER_CLASS EVENT_FILE</pre>
 */
public final class Invoke {
    private Invoke() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && "--child".equals(args[0])) {
            child(args[1], Path.of(args[2]));
            return;
        }
        Path stack = LocalStack.defaultStateFile();
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if ("--stack".equals(args[i])) {
                stack = Path.of(args[++i]);
            } else {
                rest.add(args[i]);
            }
        }
        if (rest.size() != 2) {
            System.err.println("usage: invoke [--stack FILE] OPERATION|HANDLER_CLASS EVENT_FILE");
            System.exit(2);
        }
        Route route = route(rest.get(0));
        if (!Files.exists(stack)) {
            System.err.println("No local stack state at " + stack.toAbsolutePath()
                    + ": start it first with local/bin/pod-identity-local");
            System.exit(2);
        }
        JsonNode state = new ObjectMapper().readTree(stack.toFile());
        URI api = URI.create(state.path("apiUrl").asText());
        try (java.net.Socket probe = new java.net.Socket()) {
            probe.connect(new java.net.InetSocketAddress(api.getHost(), api.getPort()), 500);
        } catch (IOException e) {
            System.err.println("The local stack at " + api + " is not running: start it with local/bin/pod-identity-local");
            System.exit(2);
        }
        JsonNode env = state.path("functions").path(route.operation());
        Process p = start(route, Path.of(rest.get(1)), jsonToMap(env));
        p.getInputStream().transferTo(System.out);
        System.exit(p.waitFor());
    }

    /**
     * Starts the fresh JVM that runs one invocation; its stdout is the response JSON. Its classpath is the function's
     * deployment package as Lambda lays it out (classes, then {@code lib/*.jar}) when the package is built, plus this
     * launcher; otherwise this JVM's classpath.
     */
    public static Process start(Route route, Path event, Map<String, String> env) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
                "-cp", classpath(route), Invoke.class.getName(), "--child",
                route.handlerClassName(), event.toAbsolutePath().toString());
        builder.environment().clear();
        builder.environment().putAll(env);
        builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        builder.environment().put("AWS_LAMBDA_FUNCTION_NAME", route.operation());
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        return builder.start();
    }

    private static void child(String handlerClass, Path event) throws Exception {
        var handler = (com.amazonaws.services.lambda.runtime.RequestStreamHandler)
                Class.forName(handlerClass).getDeclaredConstructor().newInstance();
        String response = LambdaInvoker.invoke(handler, Files.readString(event, StandardCharsets.UTF_8),
                LocalContext.of(UUID.randomUUID().toString(), System.getenv("AWS_LAMBDA_FUNCTION_NAME")));
        System.out.println(response);
    }

    /** The deployment package of a route's function, unpacked once per build. */
    public static String classpath(Route route) throws IOException {
        String zip = route.functionPackage().fileName();
        Path target = null;
        for (Path dir = Path.of("").toAbsolutePath(); dir != null && target == null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("functions/target").resolve(zip))) {
                target = dir.resolve("functions/target");
            }
        }
        if (target == null) {
            return System.getProperty("java.class.path");
        }
        Path pkg = target.resolve(zip);
        Path dir = target.resolve("unpacked").resolve(zip.replace(".zip", ""));
        Path stamp = dir.resolve(".unpacked");
        synchronized (Invoke.class) {
            if (!Files.exists(stamp) || Files.getLastModifiedTime(stamp).compareTo(Files.getLastModifiedTime(pkg)) < 0) {
                unzip(pkg, dir);
                Files.writeString(stamp, pkg.toString());
            }
        }
        StringBuilder cp = new StringBuilder(dir.toString());
        try (var jars = Files.list(dir.resolve("lib"))) {
            jars.sorted().forEach(j -> cp.append(java.io.File.pathSeparator).append(j));
        }
        try {
            cp.append(java.io.File.pathSeparator)
                    .append(Path.of(Invoke.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        return cp.toString();
    }

    private static void unzip(Path zip, Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(dir);
        try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(zip))) {
            for (java.util.zip.ZipEntry e; (e = in.getNextEntry()) != null; ) {
                Path out = dir.resolve(e.getName()).normalize();
                if (!out.startsWith(dir)) {
                    throw new IOException("zip entry outside the folder: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(java.util.Objects.requireNonNull(out.getParent(), "entry folder"));
                    Files.copy(in, out);
                }
            }
        }
    }

    static Route route(String name) {
        for (Route r : Routes.ALL) {
            if (r.operation().equals(name) || r.handlerClassName().equals(name)
                    || (r.operation() + "Handler").equals(name) || r.lambdaHandler().equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("no operation or handler named " + name);
    }

    private static Map<String, String> jsonToMap(JsonNode node) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
