package dev.podidentity.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Small helpers around the JDK HTTP server used by every local component. */
public final class Http {
    private Http() {
    }

    /** A loopback server with a thread per request (virtual threads), started. */
    public static HttpServer serve(int port, HttpHandler handler) throws IOException {
        return serve(port, null, handler);
    }

    /** As {@link #serve(int, HttpHandler)}, over https with {@code tls} when it is not null. */
    public static HttpServer serve(int port, javax.net.ssl.SSLContext tls, HttpHandler handler) throws IOException {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        HttpServer server;
        if (tls == null) {
            server = HttpServer.create(address, 256);
        } else {
            HttpsServer https = HttpsServer.create(address, 256);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try (exchange) {
                handler.handle(exchange);
            } catch (IOException | RuntimeException e) {
                try {
                    send(exchange, 500, Map.of("Content-Type", "application/json"),
                            "{\"message\":\"local stack error\"}".getBytes(StandardCharsets.UTF_8));
                } catch (IOException | RuntimeException ignored) {
                    // the response was already started; nothing more to say
                }
                if (!(e instanceof IOException)) {
                    System.err.println("local stack: " + e);
                }
            }
        });
        server.start();
        return server;
    }

    public static byte[] readBody(HttpExchange exchange, int max) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(max + 1);
            if (body.length > max) {
                return null;
            }
            return body;
        }
    }

    public static void send(HttpExchange exchange, int status, Map<String, String> headers, byte[] body) throws IOException {
        headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        if (body == null || body.length == 0) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** What a {@code +} in an encoded query means. */
    public enum Plus {
        /** A literal plus, as API Gateway and SigV4 read query strings. */
        LITERAL,
        /** A space, as in {@code application/x-www-form-urlencoded} bodies (the AWS Query protocol). */
        SPACE
    }

    /** The name/value pairs of a raw query string or form body, decoded, in order; a malformed escape is kept as is. */
    public static List<Map.Entry<String, String>> queryPairs(String raw, Plus plus) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            out.add(Map.entry(decode(eq < 0 ? pair : pair.substring(0, eq), plus),
                    eq < 0 ? "" : decode(pair.substring(eq + 1), plus)));
        }
        return out;
    }

    /** Percent-decodes one query or path component; a malformed escape is kept as is. */
    public static String decode(String s, Plus plus) {
        try {
            return URLDecoder.decode(plus == Plus.LITERAL ? s.replace("+", "%2B") : s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
