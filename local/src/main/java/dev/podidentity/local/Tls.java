package dev.podidentity.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The local stack's TLS material, kept in a directory: a private CA ({@code ca.pem}, what clients and a Kubernetes
 * API server trust, e.g. {@code cluster/install --ca-bundle}) and a serving certificate for {@code 127.0.0.1} and
 * {@code localhost} signed by it ({@code server.p12}; {@code server.pem} and {@code server-key.pem} for programs
 * that want PEM). ECDSA P-256, encoded here ({@link Der}: the JDK has no public certificate builder, and this needs
 * no other dependency); created once and reused afterwards, so a CA a cluster was given keeps working across
 * restarts. The CA's private key is dropped once the serving certificate is signed. The key store's password only
 * satisfies PKCS#12: the files are protected by their permissions (600, directory 700), as the stack's other local
 * secrets are.
 */
public final class Tls {
    private static final String PASSWORD = "pod-identity-local";

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
        for (Path p : List.of(serverKeyStore(), caPem(), serverPem(), serverKeyPem())) {
            Files.deleteIfExists(p);
        }
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair ca = generator.generateKeyPair();
            KeyPair server = generator.generateKeyPair();
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            byte[] caName = Der.name("pod-identity-local CA");
            byte[] caCert = Der.certificate(caName, caName, ca.getPublic(), ca.getPrivate(), now.minus(1, ChronoUnit.HOURS),
                    now.plus(3650, ChronoUnit.DAYS), List.of(
                            Der.extension("2.5.29.19", true, Der.seq(Der.bool(true))),
                            // keyCertSign and cRLSign
                            Der.extension("2.5.29.15", true, Der.bitString(new byte[] {0x06}, 1))));
            byte[] leaf = Der.certificate(caName, Der.name("127.0.0.1"), server.getPublic(), ca.getPrivate(),
                    now.minus(1, ChronoUnit.HOURS), now.plus(825, ChronoUnit.DAYS), List.of(
                            Der.extension("2.5.29.19", true, Der.seq()),
                            // digitalSignature
                            Der.extension("2.5.29.15", true, Der.bitString(new byte[] {(byte) 0x80}, 7)),
                            // serverAuth
                            Der.extension("2.5.29.37", false, Der.seq(Der.oid("1.3.6.1.5.5.7.3.1"))),
                            Der.extension("2.5.29.17", false, Der.seq(Der.tlv(0x87, new byte[] {127, 0, 0, 1}),
                                    Der.tlv(0x82, "localhost".getBytes(StandardCharsets.US_ASCII))))));
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            Certificate[] chain = {x509.generateCertificate(new java.io.ByteArrayInputStream(leaf)),
                    x509.generateCertificate(new java.io.ByteArrayInputStream(caCert))};
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", server.getPrivate(), PASSWORD.toCharArray(), chain);
            try (var out = Files.newOutputStream(serverKeyStore())) {
                store.store(out, PASSWORD.toCharArray());
            }
            Files.writeString(caPem(), pem("CERTIFICATE", caCert));
            Files.writeString(serverPem(), pem("CERTIFICATE", leaf) + pem("CERTIFICATE", caCert));
            Files.writeString(serverKeyPem(), pem("PRIVATE KEY", server.getPrivate().getEncoded()));
            // the CA's private key is not kept: nothing can sign another certificate with it
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot create the TLS material: " + e.getMessage(), e);
        }
        for (Path p : List.of(serverKeyStore(), serverKeyPem())) {
            restrict(p, "rw-------");
        }
    }

    /** PEM armour for DER bytes. */
    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static void restrict(Path p, String permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }
}
