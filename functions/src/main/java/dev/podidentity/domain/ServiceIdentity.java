package dev.podidentity.domain;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where this deployment lives (partition, region, account): it names the ARNs the service makes and decides
 * which ARNs belong to it.
 */
public record ServiceIdentity(String partition, String region, String accountId) {
    private static final Pattern ASSOCIATION_ARN =
            Pattern.compile("arn:([a-z-]+):eks:([a-z0-9-]+):(\\d{12}):podidentityassociation/([^/]+)/([^/]+)");
    private static final Pattern CLUSTER_ARN = Pattern.compile("arn:([a-z-]+):eks:([a-z0-9-]+):(\\d{12}):cluster/([^/]+)");

    /** The partition a region belongs to. */
    public static String partitionOf(String region) {
        if (region.startsWith("cn-")) {
            return "aws-cn";
        }
        if (region.startsWith("us-gov-")) {
            return "aws-us-gov";
        }
        if (region.startsWith("us-iso-")) {
            return "aws-iso";
        }
        if (region.startsWith("us-isob-")) {
            return "aws-iso-b";
        }
        if (region.startsWith("eusc-")) {
            return "aws-eusc";
        }
        return "aws";
    }

    public String clusterArn(String clusterName) {
        return "arn:" + partition + ":eks:" + region + ":" + accountId + ":cluster/" + clusterName;
    }

    public String associationArn(String clusterName, String associationId) {
        return "arn:" + partition + ":eks:" + region + ":" + accountId + ":podidentityassociation/" + clusterName + "/"
                + associationId;
    }

    /** A resource named by ARN in a tag request. */
    public sealed interface Resource permits ClusterResource, AssociationResource {
    }

    public record ClusterResource(String clusterName) implements Resource {
    }

    public record AssociationResource(String clusterName, String associationId) implements Resource {
    }

    /**
     * Parses a tag request's ARN: BadRequest when it is not a cluster or association ARN, NotFound when it is one
     * of another partition, region or account (no such resource here).
     */
    public Resource resource(String arn) {
        if (arn == null || arn.isEmpty()) {
            throw new ServiceException(ErrorCode.BAD_REQUEST, "resourceArn is required");
        }
        Matcher a = ASSOCIATION_ARN.matcher(arn);
        Matcher c = CLUSTER_ARN.matcher(arn);
        Resource resource;
        if (a.matches()) {
            checkOwn(arn, a);
            resource = new AssociationResource(a.group(4), a.group(5));
        } else if (c.matches()) {
            checkOwn(arn, c);
            resource = new ClusterResource(c.group(4));
        } else {
            throw new ServiceException(ErrorCode.BAD_REQUEST, "resourceArn '" + Text.printable(arn)
                    + "' is not the ARN of a cluster or pod identity association: expected arn:" + partition + ":eks:"
                    + region + ":" + accountId + ":cluster/NAME or ...:podidentityassociation/CLUSTER/ID");
        }
        return resource;
    }

    private void checkOwn(String arn, Matcher m) {
        if (!partition.equals(m.group(1)) || !region.equals(m.group(2)) || !accountId.equals(m.group(3))) {
            throw new ServiceException(ErrorCode.NOT_FOUND, "Resource " + Text.printable(arn)
                    + " not found: this service holds resources of " + partition + " / " + region + " / " + accountId);
        }
    }
}
