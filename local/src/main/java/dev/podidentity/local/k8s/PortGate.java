package dev.podidentity.local.k8s;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A TCP forwarder on a free 127.0.0.1 port to another 127.0.0.1 port (TLS passes through untouched) that a test can
 * close like a network outage: while {@linkplain #down down}, every connection is accepted and closed at once, as a
 * dead backend behind a load balancer looks to a client.
 */
public final class PortGate implements AutoCloseable {
    private final ServerSocket server;
    private volatile boolean down;

    private PortGate(ServerSocket server) {
        this.server = server;
    }

    /** Forwards a new port to {@code targetPort}. */
    public static PortGate start(int targetPort) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        PortGate gate = new PortGate(server);
        Thread.ofVirtual().start(() -> gate.accept(targetPort));
        return gate;
    }

    private void accept(int targetPort) {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread.ofVirtual().start(() -> {
                    if (down) {
                        close(client);
                        return;
                    }
                    try (client; Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
                        NsBridge.pipe(client.getInputStream(), client.getOutputStream(), target.getInputStream(),
                                target.getOutputStream());
                    } catch (IOException e) {
                        // one connection failed; the client sees it closed
                    }
                });
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** The port clients connect to. */
    public int port() {
        return server.getLocalPort();
    }

    /** Takes the target off the network (true) or puts it back (false), for new connections. */
    public void down(boolean isDown) {
        this.down = isDown;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
