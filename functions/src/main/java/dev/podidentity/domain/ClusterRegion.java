package dev.podidentity.domain;

import java.util.regex.Pattern;

/** The AWS region a cluster's pods use by default (AWS_REGION / AWS_DEFAULT_REGION injected by the webhook). */
public final class ClusterRegion {
    private static final Pattern PATTERN = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");

    private ClusterRegion() {
    }

    /** Validates a requested region; null stays null (keep the stored value, the service's region on creation). */
    public static String validate(String region) {
        if (region == null) {
            return null;
        }
        if (region.length() > 32 || !PATTERN.matcher(region).matches()) {
            throw ServiceException.invalidParameter("region '" + Text.printable(region)
                    + "' is invalid: use an AWS region code such as us-east-1 or eu-central-1");
        }
        return region;
    }
}
