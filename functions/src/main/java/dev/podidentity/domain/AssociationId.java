package dev.podidentity.domain;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/** An association id as EKS makes them: {@code a-} followed by 17 characters of {@code [a-z0-9]}. */
public record AssociationId(String value) {
    private static final Pattern PATTERN = Pattern.compile("a-[a-z0-9]{17}");
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    public AssociationId {
        if (value == null || value.isEmpty()) {
            throw ServiceException.invalidParameter("associationId is required");
        }
        if (!PATTERN.matcher(value).matches()) {
            throw ServiceException.invalidParameter("associationId '" + Text.printable(value)
                    + "' is invalid: expected 'a-' followed by 17 lowercase letters or digits");
        }
    }

    public static AssociationId random() {
        char[] id = new char[19];
        id[0] = 'a';
        id[1] = '-';
        for (int i = 2; i < id.length; i++) {
            id[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new AssociationId(new String(id));
    }

    public static boolean isValid(String value) {
        return value != null && PATTERN.matcher(value).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
