package dev.podidentity.cfn;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.api.Json;
import java.util.Map;

/** What the provider answers CloudFormation: SUCCESS or FAILED, the physical id and the attributes for Fn::GetAtt. */
public record CustomResourceResponse(boolean success, String reason, String physicalResourceId, Map<String, String> data) {
    /** CloudFormation refuses a response body over 4096 bytes: a long service message is cut well below that. */
    static final int MAX_REASON = 1024;

    public CustomResourceResponse {
        data = data == null ? Map.of() : Map.copyOf(data);
    }

    public static CustomResourceResponse success(String physicalResourceId, Map<String, String> data) {
        return new CustomResourceResponse(true, null, physicalResourceId, data);
    }

    public static CustomResourceResponse failed(String physicalResourceId, String reason) {
        String cut = reason == null ? "failed" : reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) + "…" : reason;
        return new CustomResourceResponse(false, cut, physicalResourceId, Map.of());
    }

    /** The body PUT to the pre-signed ResponseURL. */
    public ObjectNode body(CustomResourceEvent event) {
        ObjectNode n = Json.object();
        n.put("Status", success ? "SUCCESS" : "FAILED");
        if (reason != null) {
            n.put("Reason", reason);
        }
        n.put("PhysicalResourceId", physicalResourceId);
        n.put("StackId", event.stackId());
        n.put("RequestId", event.requestId());
        n.put("LogicalResourceId", event.logicalResourceId());
        if (!data.isEmpty()) {
            n.set("Data", Json.stringMap(data));
        }
        return n;
    }
}
