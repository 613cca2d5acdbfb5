package dev.podidentity.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The local stack's TLS material, kept in a directory: a private CA ({@code ca.pem}, what clients and a Kubernetes
 * API server trust, e.g. {@code cluster/install --ca-bundle}) and a serving certificate for {@code 127.0.0.1} and
 * {@code localhost} signed by it ({@code server.p12}; {@code server.pem} and {@code server-key.pem} for programs
 * that want PEM). Created once with the JDK's own {@code keytool} (no other dependency) and reused afterwards, so a
 * CA a cluster was given keeps working across restarts. The key stores' password only satisfies PKCS#12: the files
 * are protected by their permissions (600, directory 700), as the stack's other local secrets are.
 */
public final class Tls {
    private static final String PASSWORD = "pod-identity-local";
    private static final String SANS = "ip:127.0.0.1,dns:localhost";

    private final Path dir;

    private Tls(Path dir) {
        this.dir = dir;
    }

    /** The material in {@code dir}, created there first when it is missing. */
    public static Tls ensure(Path dir) throws IOException {
        Tls tls = new Tls(dir.toAbsolutePath());
        if (!Files.isRegularFile(tls.caPem()) || !Files.isRegularFile(tls.serverKeyStore())
                || !Files.isRegularFile(tls.serverKeyPem())) {
            tls.create();
        }
        return tls;
    }

    /** The CA certificate (PEM) that signed the serving certificate. */
    public Path caPem() {
        return dir.resolve("ca.pem");
    }

    /** The serving certificate (PEM, leaf first then the CA). */
    public Path serverPem() {
        return dir.resolve("server.pem");
    }

    /** The serving certificate's private key (PKCS#8 PEM). */
    public Path serverKeyPem() {
        return dir.resolve("server-key.pem");
    }

    Path serverKeyStore() {
        return dir.resolve("server.p12");
    }

    /** A server-side TLS context with the serving certificate. */
    public SSLContext serverContext() throws IOException {
        try (InputStream in = Files.newInputStream(serverKeyStore())) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("the TLS key store " + serverKeyStore() + " cannot be used (delete " + dir
                    + " to create a new CA): " + e.getMessage(), e);
        }
    }

    /** Trust managers that trust the CA alone (for clients of the local API). */
    public javax.net.ssl.TrustManager[] trustManagers() {
        try (InputStream in = Files.newInputStream(caPem())) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
            javax.net.ssl.TrustManagerFactory trust =
                    javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            return trust.getTrustManagers();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("the CA " + caPem() + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** A client-side TLS context that trusts the CA alone. */
    public SSLContext clientContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS client context: " + e.getMessage(), e);
        }
    }

    private void create() throws IOException {
        Files.createDirectories(dir);
        restrict(dir, "rwx------");
        Path caStore = dir.resolve("ca.p12");
        Path csr = dir.resolve("server.csr");
        Path leaf = dir.resolve("server-leaf.pem");
        for (Path p : List.of(caStore, serverKeyStore(), csr, leaf, caPem(), serverPem(), serverKeyPem())) {
            Files.deleteIfExists(p);
        }
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=pod-identity-local CA", "-ext", "bc:c", "-validity", "3650", "-keystore", caStore.toString());
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-file", caPem().toString());
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=127.0.0.1", "-validity", "825", "-keystore", serverKeyStore().toString());
        keytool("-certreq", "-alias", "server", "-keystore", serverKeyStore().toString(), "-file", csr.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-infile", csr.toString(),
                "-outfile", leaf.toString(), "-validity", "825", "-ext", "san=" + SANS,
                "-ext", "eku=serverAuth", "-ext", "ku:c=digitalSignature,keyEncipherment");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem().toString(),
                "-keystore", serverKeyStore().toString());
        keytool("-importcert", "-noprompt", "-alias", "server", "-file", leaf.toString(),
                "-keystore", serverKeyStore().toString());
        Files.writeString(serverPem(), Files.readString(leaf) + Files.readString(caPem()));
        try (InputStream in = Files.newInputStream(serverKeyStore())) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            PrivateKey key = (PrivateKey) store.getKey("server", PASSWORD.toCharArray());
            Files.writeString(serverKeyPem(), pem("PRIVATE KEY", key.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the new serving key: " + e.getMessage(), e);
        }
        Files.delete(csr);
        Files.delete(leaf);
        for (Path p : List.of(caStore, serverKeyStore(), serverKeyPem())) {
            restrict(p, "rw-------");
        }
    }

    /** PEM armour for DER bytes. */
    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + new String(out, StandardCharsets.UTF_8).trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
            throw new IOException("interrupted while creating TLS material", e);
        }
    }

    private static void restrict(Path p, String permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }
}
