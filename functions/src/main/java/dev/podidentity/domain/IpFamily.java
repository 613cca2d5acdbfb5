package dev.podidentity.domain;

/**
 * The IP family of a cluster's pod network, which decides the credentials URI the webhook injects: the agent's
 * link-local IPv4 address, or on IPv6-only clusters (which cannot reach 169.254.0.0/16) its unique-local IPv6
 * address, as EKS does.
 */
public enum IpFamily {
    IPV4("ipv4", "http://169.254.170.23/v1/credentials"),
    IPV6("ipv6", "http://[fd00:ec2::23]/v1/credentials");

    private final String wireName;
    private final String credentialsUri;

    IpFamily(String wireName, String credentialsUri) {
        this.wireName = wireName;
        this.credentialsUri = credentialsUri;
    }

    public String wireName() {
        return wireName;
    }

    /** The value of AWS_CONTAINER_CREDENTIALS_FULL_URI for pods of such a cluster. */
    public String credentialsUri() {
        return credentialsUri;
    }

    /** The family named on the wire; null stays null (keep the stored value, ipv4 on creation). */
    public static IpFamily parse(String value) {
        if (value == null) {
            return null;
        }
        for (IpFamily f : values()) {
            if (f.wireName.equals(value)) {
                return f;
            }
        }
        throw ServiceException.invalidParameter("ipFamily '" + Text.printable(value)
                + "' is invalid: use ipv4 or ipv6 (the family of the cluster's service network: kubectl get svc"
                + " kubernetes -n default -o jsonpath='{.spec.ipFamilies[0]}')");
    }
}
