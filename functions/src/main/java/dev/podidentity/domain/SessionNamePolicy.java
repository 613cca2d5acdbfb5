package dev.podidentity.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * How the STS session of an association's credentials is named. STS allows 2-64 characters of {@code [\w+=,.@-]};
 * a name that would be longer keeps its readable start and ends with a hash of the whole, so it stays deterministic
 * and distinct. Whatever the policy, the pod's name and uid are in the session tags (CloudTrail shows them).
 */
public enum SessionNamePolicy {
    /** EKS's behaviour: {@code eks-CLUSTER-POD-RANDOM}, a new name for every credential request. */
    UNIQUE,
    /** {@code eks-CLUSTER-NAMESPACE-POD}: the same name on every renewal for the life of the pod. */
    POD,
    /** {@code eks-CLUSTER-NAMESPACE-SERVICEACCOUNT}: one name for every pod of the service account. */
    SERVICE_ACCOUNT;

    public static final int MAX_LENGTH = 64;
    private static final int HASH_CHARS = 12;
    private static final int RANDOM_CHARS = 8;
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The request member's value, or the default for an absent one. */
    public static SessionNamePolicy parse(String value) {
        if (value == null) {
            return null;
        }
        for (SessionNamePolicy p : values()) {
            if (p.name().equals(value)) {
                return p;
            }
        }
        throw ServiceException.invalidParameter("sessionNamePolicy '" + Text.printable(value)
                + "' is not valid: use one of " + Arrays.toString(values()).replace("[", "").replace("]", ""));
    }

    /** The session name for a pod of {@code cluster} under this policy. */
    public String sessionName(String cluster, PodClaims pod) {
        return switch (this) {
            case UNIQUE -> unique(cluster, pod.podName());
            case POD -> stable("eks-" + cluster + "-" + pod.namespace() + "-" + pod.podName());
            case SERVICE_ACCOUNT -> stable("eks-" + cluster + "-" + pod.namespace() + "-" + pod.serviceAccount());
        };
    }

    /** {@code eks-CLUSTER-POD-RANDOM}: truncated to fit, never failed (what EKS Auth does). */
    static String unique(String cluster, String pod) {
        char[] suffix = new char[RANDOM_CHARS];
        for (int i = 0; i < suffix.length; i++) {
            suffix[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        String middle = sanitize(cluster + "-" + pod);
        int room = MAX_LENGTH - "eks-".length() - 1 - suffix.length;
        if (middle.length() > room) {
            middle = middle.substring(0, room);
        }
        return "eks-" + middle + "-" + new String(suffix);
    }

    /** {@code full} if it fits STS's rules; else its start, a dash and a hash of {@code full}. */
    static String stable(String full) {
        String clean = sanitize(full);
        if (clean.equals(full) && full.length() <= MAX_LENGTH) {
            return full;
        }
        String hash = sha256(full).substring(0, HASH_CHARS);
        int room = MAX_LENGTH - 1 - HASH_CHARS;
        return (clean.length() > room ? clean.substring(0, room) : clean) + "-" + hash;
    }

    private static String sanitize(String s) {
        return s.replaceAll("[^\\w+=,.@-]", "-");
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8))).toLowerCase(Locale.ROOT);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
