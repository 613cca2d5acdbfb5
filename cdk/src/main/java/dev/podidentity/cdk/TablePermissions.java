package dev.podidentity.cdk;

import java.util.List;
import java.util.Map;

/**
 * The DynamoDB actions each operation's function needs, and nothing more. A transaction needs the actions of its
 * parts (Put/Update/Delete/ConditionCheckItem). Template tests hold every function to this table.
 */
final class TablePermissions {
    static final List<String> READ_ITEM = List.of("dynamodb:GetItem");

    static final Map<String, List<String>> BY_OPERATION = Map.ofEntries(
            Map.entry("CreatePodIdentityAssociation", List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")),
            Map.entry("ListPodIdentityAssociations", List.of("dynamodb:GetItem", "dynamodb:Query")),
            Map.entry("DescribePodIdentityAssociation", READ_ITEM),
            Map.entry("UpdatePodIdentityAssociation", List.of("dynamodb:GetItem", "dynamodb:PutItem")),
            Map.entry("DeletePodIdentityAssociation", List.of("dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem")),
            Map.entry("TagResource", List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")),
            Map.entry("UntagResource", List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")),
            Map.entry("ListTagsForResource", READ_ITEM),
            Map.entry("RegisterCluster", List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")),
            Map.entry("DescribeCluster", READ_ITEM),
            Map.entry("ListClusters", List.of("dynamodb:Query")),
            Map.entry("DeleteCluster", List.of("dynamodb:GetItem", "dynamodb:DeleteItem")),
            Map.entry("AssumeRoleForPodIdentity", READ_ITEM),
            Map.entry("AdmitPod", READ_ITEM),
            Map.entry("GetWebhookIdentities", List.of("dynamodb:GetItem", "dynamodb:Query")));

    /** Operations that check roles with IAM at create/update time. */
    static final List<String> ROLE_CHECKS = List.of("CreatePodIdentityAssociation", "UpdatePodIdentityAssociation");

    private TablePermissions() {
    }
}
