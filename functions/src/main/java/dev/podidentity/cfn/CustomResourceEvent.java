package dev.podidentity.cfn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

/**
 * A CloudFormation custom resource request as the provider reads it. {@code properties} and {@code oldProperties}
 * are {@code ResourceProperties} and {@code OldResourceProperties} (CloudFormation sends every scalar as a string).
 */
public record CustomResourceEvent(
        String requestType,
        String resourceType,
        String stackId,
        String requestId,
        String logicalResourceId,
        String physicalResourceId,
        String responseUrl,
        JsonNode properties,
        JsonNode oldProperties) {

    public static CustomResourceEvent from(JsonNode event) {
        return new CustomResourceEvent(text(event, "RequestType"), text(event, "ResourceType"), text(event, "StackId"),
                text(event, "RequestId"), text(event, "LogicalResourceId"), text(event, "PhysicalResourceId"),
                text(event, "ResponseURL"), object(event, "ResourceProperties"), object(event, "OldResourceProperties"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static JsonNode object(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || !v.isObject() ? NullNode.getInstance() : v;
    }
}
