package dev.podidentity.local.k8s;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs commands for the harness: to completion with their output, or in the background with a log and a PID file. */
public final class Proc {
    private Proc() {
    }

    /** What a finished command said. */
    public record Result(int exit, String stdout, String stderr) {
        public boolean ok() {
            return exit == 0;
        }

        /** stdout, or an exception with stderr when the command failed. */
        public String orThrow(String what) {
            if (exit != 0) {
                throw new IllegalStateException(what + " failed (exit " + exit + "): " + stderr.strip());
            }
            return stdout;
        }
    }

    /** Runs a command to completion (stdin from {@code input} when not null). */
    public static Result run(List<String> command, Map<String, String> env, String input, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (env != null) {
            builder.environment().putAll(env);
        }
        try {
            Process process = builder.start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(process, false));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process, true));
            try (var stdin = process.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command.get(0) + " did not finish in " + timeout);
            }
            return new Result(process.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
                    new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command.get(0), e);
        }
    }

    private static byte[] readAll(Process process, boolean stderr) {
        try (var in = stderr ? process.getErrorStream() : process.getInputStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** Starts a long-running process with its output in {@code log} and its PID recorded in {@code pidFile}. */
    public static Process background(List<String> command, Map<String, String> env, Path log, Path pidFile) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        if (env != null) {
            builder.environment().putAll(env);
        }
        try {
            Process process = builder.start();
            Files.writeString(pidFile, Long.toString(process.pid()));
            return process;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stops the process recorded in {@code pidFile} (TERM, then KILL after 10 s) when its command line still names
     * {@code marker}: a recycled PID is never signalled, and nothing is ever stopped by name.
     */
    public static void stop(Path pidFile, String marker) {
        try {
            if (!Files.isRegularFile(pidFile)) {
                return;
            }
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            ProcessHandle.of(pid).ifPresent(handle -> {
                String line = handle.info().commandLine().orElse(String.join(" ", handle.info().arguments().orElse(new String[0])));
                if (!line.contains(marker) && !cmdline(pid).contains(marker)) {
                    return;
                }
                handle.destroy();
                try {
                    handle.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    handle.destroyForcibly();
                }
            });
            Files.deleteIfExists(pidFile);
        } catch (IOException | NumberFormatException e) {
            // nothing recorded to stop
        }
    }

    /** Whether the process recorded in {@code pidFile} is running. */
    public static boolean alive(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** A free TCP port on 127.0.0.1 (another process may take it before use; the harness retries at start). */
    public static int freePort() {
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    /**
     * A free 127.0.0.1 port for a server this harness starts later, below Linux's ephemeral range (32768+): a port
     * {@link #freePort} answers is free only until another process's outgoing connection, or its own bind to port 0,
     * takes it before our server binds it (kube-apiserver then exits "address already in use" on a busy machine).
     * Ports under 32768 are never handed out for outgoing connections, and a random pick seldom meets another's.
     */
    public static int freeListenPort() {
        java.util.random.RandomGenerator random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = 20_000 + random.nextInt(12_000);
            try (var socket = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException inUse) {
                // taken: try another
            }
        }
        return freePort();
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
