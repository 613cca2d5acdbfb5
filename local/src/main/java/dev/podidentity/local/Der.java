package dev.podidentity.local;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** Just enough DER to write an X.509 v3 certificate signed with ECDSA-SHA256 (for {@link Tls}). */
final class Der {
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private Der() {
    }

    static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else {
            byte[] len = BigInteger.valueOf(n).toByteArray();
            int skip = len[0] == 0 ? 1 : 0;
            out.write(0x80 | (len.length - skip));
            out.write(len, skip, len.length - skip);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    static byte[] seq(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    static byte[] bool(boolean value) {
        return new byte[] {0x01, 0x01, (byte) (value ? 0xff : 0x00)};
    }

    static byte[] bitString(byte[] bits, int unusedBits) {
        byte[] content = new byte[bits.length + 1];
        content[0] = (byte) unusedBits;
        System.arraycopy(bits, 0, content, 1, bits.length);
        return tlv(0x03, content);
    }

    static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Integer.parseInt(arcs[0]) * 40 + Integer.parseInt(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            long arc = Long.parseLong(arcs[i]);
            int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(arc) + 6) / 7);
            for (int g = groups - 1; g >= 0; g--) {
                out.write((int) ((arc >> (7 * g)) & 0x7f) | (g > 0 ? 0x80 : 0));
            }
        }
        return tlv(0x06, out.toByteArray());
    }

    /** A Name with one common name. */
    static byte[] name(String commonName) {
        return seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0c, commonName.getBytes(StandardCharsets.UTF_8)))));
    }

    static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical ? seq(oid(oid), bool(true), tlv(0x04, value)) : seq(oid(oid), tlv(0x04, value));
    }

    /** A v3 certificate for {@code subjectKey}, signed by {@code issuerKey} (EC) with SHA-256. */
    static byte[] certificate(byte[] issuer, byte[] subject, PublicKey subjectKey, PrivateKey issuerKey, Instant notBefore,
                              Instant notAfter, List<byte[]> extensions) throws GeneralSecurityException {
        byte[] algorithm = seq(oid("1.2.840.10045.4.3.2"));
        byte[] tbs = seq(tlv(0xa0, tlv(0x02, new byte[] {2})),
                tlv(0x02, new BigInteger(127, RANDOM).add(BigInteger.ONE).toByteArray()),
                algorithm, issuer,
                seq(tlv(0x17, UTC_TIME.format(notBefore).getBytes(StandardCharsets.US_ASCII)),
                        tlv(0x17, UTC_TIME.format(notAfter).getBytes(StandardCharsets.US_ASCII))),
                subject, subjectKey.getEncoded(), tlv(0xa3, seq(extensions.toArray(byte[][]::new))));
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(issuerKey);
        signer.update(tbs);
        return seq(tbs, algorithm, bitString(signer.sign(), 0));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
