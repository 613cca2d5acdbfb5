package dev.podidentity.domain;

import java.util.regex.Pattern;

/** An EKS-style cluster name: 1–100 characters, {@code [0-9A-Za-z][A-Za-z0-9\-_]*}. */
public record ClusterName(String value) {
    /** The name SnapStart priming sends requests about: never registered, never deleted. */
    public static final String RESERVED = "snapstart-priming";
    private static final Pattern PATTERN = Pattern.compile("[0-9A-Za-z][A-Za-z0-9\\-_]{0,99}");

    public ClusterName {
        if (value == null || value.isEmpty()) {
            throw ServiceException.invalidParameter("clusterName is required");
        }
        if (!PATTERN.matcher(value).matches()) {
            throw ServiceException.invalidParameter("clusterName '" + Text.printable(value)
                    + "' is invalid: use 1-100 characters, letters, digits, '-' and '_', starting with a letter or digit");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
