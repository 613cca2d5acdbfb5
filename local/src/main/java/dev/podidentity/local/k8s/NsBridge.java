package dev.podidentity.local.k8s;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Carries host TCP ports into a {@link NetNs}: inside, a child JVM ({@link #main}) listens on 127.0.0.1 at the same
 * port numbers and passes each connection through a Unix socket (the file system is shared by both namespaces) to
 * this JVM, which connects to the host's 127.0.0.1 port. So a process in the namespace (the stock agent) reaches the
 * local stack's API at the very URL the host uses, TLS and all (bytes pass through untouched).
 */
public final class NsBridge implements AutoCloseable {
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final Path dir;
    private final Path pidFile;
    private volatile boolean closed;

    private NsBridge(Path dir) {
        this.dir = dir;
        this.pidFile = dir.resolve("bridge.pid");
    }

    /** Bridges {@code ports} of the host's 127.0.0.1 into {@code ns}; sockets and log in {@code dir}. */
    public static NsBridge start(NetNs ns, Path dir, List<Integer> ports) throws IOException {
        Files.createDirectories(dir);
        NsBridge bridge = new NsBridge(dir.toAbsolutePath());
        List<String> args = new ArrayList<>();
        for (int port : ports) {
            Path socket = bridge.dir.resolve("port-" + port + ".sock");
            Files.deleteIfExists(socket);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            bridge.listeners.add(server);
            bridge.ports.add(port);
            Thread.ofVirtual().start(() -> bridge.accept(server, port));
            args.add(port + "=" + socket);
        }
        List<String> command = new ArrayList<>(ChildJava.command(NsBridge.class));
        command.addAll(args);
        Proc.background(ns.command(command), null, bridge.dir.resolve("bridge.log"), bridge.pidFile);
        bridge.awaitListening(ns, ports);
        return bridge;
    }

    private void awaitListening(NetNs ns, List<Integer> ports) throws IOException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            if (Files.readString(dir.resolve("bridge.log")).contains("listening")) {
                return;
            }
            KubeApiServer.sleep(50);
        }
        throw new IllegalStateException("the bridge into " + ns.name() + " did not start: "
                + Files.readString(dir.resolve("bridge.log")));
    }

    private void accept(ServerSocketChannel server, int port) {
        while (!closed) {
            try {
                SocketChannel inside = server.accept();
                Thread.ofVirtual().start(() -> {
                    try (inside; Socket host = new Socket(InetAddress.getLoopbackAddress(), port)) {
                        pipe(Channels.newInputStream(inside), Channels.newOutputStream(inside), host.getInputStream(),
                                host.getOutputStream());
                    } catch (IOException e) {
                        // one connection failed; the client sees it closed
                    }
                });
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** Copies both ways (a to b, b to a) until either side closes. */
    static void pipe(InputStream aIn, OutputStream aOut, InputStream bIn, OutputStream bOut) {
        Thread up = Thread.ofVirtual().start(() -> copy(aIn, bOut));
        copy(bIn, aOut);
        try {
            up.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void copy(InputStream in, OutputStream out) {
        try (in; out) {
            in.transferTo(out);
        } catch (IOException e) {
            // the other side closed
        }
    }

    /** The host ports carried into the namespace. */
    public List<Integer> ports() {
        return List.copyOf(ports);
    }

    @Override
    public void close() {
        closed = true;
        Proc.stop(pidFile, dir.toString());
        for (ServerSocketChannel listener : listeners) {
            try {
                listener.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** Inside the namespace: {@code PORT=SOCKET...}; listens on 127.0.0.1:PORT and forwards to SOCKET. */
    public static void main(String[] args) throws IOException {
        for (String arg : args) {
            int port = Integer.parseInt(arg.substring(0, arg.indexOf('=')));
            Path socket = Path.of(arg.substring(arg.indexOf('=') + 1));
            ServerSocket server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
            Thread.ofPlatform().start(() -> {
                while (true) {
                    try {
                        Socket client = server.accept();
                        Thread.ofVirtual().start(() -> {
                            try (client; SocketChannel host = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                                pipe(client.getInputStream(), client.getOutputStream(), Channels.newInputStream(host),
                                        Channels.newOutputStream(host));
                            } catch (IOException e) {
                                System.err.println("bridge: a connection to port " + port + " failed: " + e);
                            }
                        });
                    } catch (IOException e) {
                        System.err.println("bridge: port " + port + " stopped accepting: " + e);
                        return;
                    }
                }
            });
        }
        System.out.println("listening");
        System.out.flush();
    }
}
