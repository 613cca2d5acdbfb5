package dev.podidentity.domain;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An association's own session tags, added to every AssumeRole beside the six EKS tags. Checked against STS's
 * limits when the association is written, so a pod never learns of them from a failed credential request.
 */
public final class SessionTags {
    /** The tags EKS Auth sets on every session (unless disableSessionTags); their keys are reserved. */
    public static final List<String> EKS_KEYS = List.of("eks-cluster-arn", "eks-cluster-name", "kubernetes-namespace",
            "kubernetes-service-account", "kubernetes-pod-name", "kubernetes-pod-uid");
    /** STS: at most 50 session tags on one AssumeRole. */
    public static final int STS_MAX_TAGS = 50;
    public static final int MAX_CUSTOM = STS_MAX_TAGS - EKS_KEYS.size();
    public static final int MAX_KEY = 128;
    public static final int MAX_VALUE = 256;
    private static final String ALLOWED = "use letters, digits, spaces and _ . : / = + - @";

    private SessionTags() {
    }

    /** The validated tags (sorted), empty for absent; InvalidParameterException naming the limit otherwise. */
    public static Map<String, String> validate(Map<String, String> tags) {
        if (tags == null) {
            return Map.of();
        }
        if (tags.size() > MAX_CUSTOM) {
            throw ServiceException.invalidParameter("sessionTags has " + tags.size() + " entries: STS allows "
                    + STS_MAX_TAGS + " session tags in all and the service sets " + EKS_KEYS.size()
                    + ", so at most " + MAX_CUSTOM + " are allowed");
        }
        Map<String, String> seen = new HashMap<>();
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            String key = tag.getKey();
            String value = tag.getValue();
            if (key == null || key.isEmpty() || key.length() > MAX_KEY) {
                throw ServiceException.invalidParameter("sessionTags key '" + Text.printable(key)
                        + "' is invalid: STS session tag keys have 1-" + MAX_KEY + " characters");
            }
            String lower = key.toLowerCase(Locale.ROOT);
            if (lower.startsWith("kubernetes-") || lower.startsWith("eks-") || lower.startsWith("aws:")) {
                throw ServiceException.invalidParameter("sessionTags key '" + Text.printable(key)
                        + "' is reserved: keys starting with kubernetes-, eks- or aws: are set by the service or AWS");
            }
            if (!Tags.allowedCharacters(key)) {
                throw ServiceException.invalidParameter("sessionTags key '" + Text.printable(key)
                        + "' has characters STS session tags cannot hold: " + ALLOWED);
            }
            String other = seen.put(lower, key);
            if (other != null) {
                throw ServiceException.invalidParameter("sessionTags keys '" + Text.printable(other) + "' and '"
                        + Text.printable(key) + "' differ only in case: STS session tag keys are case-insensitive");
            }
            if (value == null) {
                throw ServiceException.invalidParameter("sessionTags key '" + Text.printable(key)
                        + "' has no value: use a string (it may be empty)");
            }
            if (value.length() > MAX_VALUE) {
                throw ServiceException.invalidParameter("sessionTags key '" + Text.printable(key) + "' has a value of "
                        + value.length() + " characters: STS session tag values have at most " + MAX_VALUE);
            }
            if (!Tags.allowedCharacters(value)) {
                throw ServiceException.invalidParameter("sessionTags key '" + Text.printable(key)
                        + "' has a value with characters STS session tags cannot hold: " + ALLOWED);
            }
        }
        return new TreeMap<>(tags);
    }
}
