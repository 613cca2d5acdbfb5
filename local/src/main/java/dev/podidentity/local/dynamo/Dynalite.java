package dev.podidentity.local.dynamo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs dynalite (npm) as a child process on a free loopback port, in memory or on disk. */
public final class Dynalite implements AutoCloseable {
    private final Process process;
    private final int port;

    private Dynalite(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts dynalite; {@code dataDir} null keeps everything in memory. */
    public static Dynalite start(Path dataDir) throws IOException {
        Path cli = locate();
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("node", cli.toString(), "--host", "127.0.0.1",
                "--port", Integer.toString(port), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"));
        if (dataDir != null) {
            Files.createDirectories(dataDir);
            command.add("--path");
            command.add(dataDir.toString());
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.contains("listening")) {
                        ready.complete(true);
                    } else if (!ready.isDone()) {
                        System.err.println("dynalite: " + line);
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
            ready.complete(false);
        }, "dynalite-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!ready.get(30, TimeUnit.SECONDS)) {
                throw new IOException("dynalite exited before listening (exit " + process.waitFor() + ")");
            }
        } catch (IOException e) {
            process.destroyForcibly();
            throw e;
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IOException("dynalite did not start: " + e, e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
        return new Dynalite(process, port);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Finds dynalite's CLI: {@code DYNALITE_CLI} if set, else {@code node_modules/dynalite/cli.js} under the working
     * directory, its {@code local/} folder, or a parent.
     */
    static Path locate() throws IOException {
        String configured = System.getenv("DYNALITE_CLI");
        if (configured != null) {
            return Path.of(configured);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            for (Path candidate : List.of(dir.resolve("node_modules/dynalite/cli.js"),
                    dir.resolve("local/node_modules/dynalite/cli.js"))) {
                if (Files.isRegularFile(candidate)) {
                    return candidate;
                }
            }
            dir = dir.getParent();
        }
        throw new IOException("dynalite is not installed: run 'npm ci --prefix local' in the project root");
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
