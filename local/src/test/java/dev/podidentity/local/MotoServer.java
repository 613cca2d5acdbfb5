package dev.podidentity.local;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * moto's server mode ({@code moto_server}) as a second, independent DynamoDB implementation for the adapter tests.
 * Started on a free loopback port; ready when the server prints its "Running on" line (a latch, with a deadline);
 * stopped with its whole process tree.
 */
final class MotoServer implements AutoCloseable {
    static final String INSTALL_HINT = "pip install 'moto[server]'";
    private static final Duration START_DEADLINE = Duration.ofSeconds(60);
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(10);
    private static final int KEPT_LINES = 40;

    private final Process process;
    private final int port;
    private final Deque<String> output = new ArrayDeque<>();

    private MotoServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts moto, or skips the calling test class when it is not installed, except under {@code CI=true}, where a
     * missing moto fails: CI must run both backends.
     */
    static MotoServer startOrSkip() {
        Optional<Path> executable = findOnPath("moto_server");
        if (executable.isEmpty()) {
            String message = "moto_server is not on PATH; install it with: " + INSTALL_HINT;
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException(message + " (CI=true: the moto backend must run)");
            }
            // surefire counts a class aborted before its tests as "Tests run: 0": say why on the console too
            System.err.println("SKIPPED moto backend: " + message);
            Assumptions.abort(message);
        }
        return start(executable.orElseThrow());
    }

    static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, name))
                .filter(candidate -> Files.isRegularFile(candidate) && Files.isExecutable(candidate))
                .findFirst();
    }

    private static MotoServer start(Path executable) {
        int port = freePort();
        Process process;
        try {
            process = new ProcessBuilder(List.of(executable.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port)))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + executable, e);
        }
        MotoServer server = new MotoServer(process, port);
        CountDownLatch ready = new CountDownLatch(1);
        Thread reader = new Thread(() -> server.drain(ready), "moto-output-" + port);
        reader.setDaemon(true);
        reader.start();
        boolean running;
        try {
            running = ready.await(START_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
            throw new IllegalStateException("interrupted while waiting for moto", e);
        }
        if (!running || !process.isAlive()) {
            server.close();
            throw new IllegalStateException("moto_server did not start within " + START_DEADLINE + " on port " + port
                    + "; its output:\n" + server.recentOutput());
        }
        return server;
    }

    /** Reads the server's output until it ends: counts the latch down on "Running on" or when the process exits. */
    private void drain(CountDownLatch ready) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                synchronized (output) {
                    output.addLast(line);
                    if (output.size() > KEPT_LINES) {
                        output.removeFirst();
                    }
                }
                if (line.contains("Running on http://127.0.0.1:" + port)) {
                    ready.countDown();
                }
            }
        } catch (IOException closed) {
            // the process went away; the latch below tells the waiter
        } finally {
            ready.countDown();
        }
    }

    private String recentOutput() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /** Stops the server and every process it started (the pyenv shim, the interpreter), forcibly after a deadline. */
    @Override
    public void close() {
        List<ProcessHandle> tree = Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + STOP_DEADLINE.toNanos();
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // forced below
            }
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
}
