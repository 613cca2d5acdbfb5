package dev.podidentity.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/** A Lambda proxy integration response: status, headers, body. */
public record ApiResponse(int statusCode, Map<String, String> headers, String body) {

    /** The JSON Lambda returns to API Gateway. */
    public ObjectNode toJson() {
        ObjectNode out = Json.object();
        out.put("statusCode", statusCode);
        ObjectNode h = out.putObject("headers");
        headers.forEach(h::put);
        out.put("body", body);
        out.put("isBase64Encoded", false);
        return out;
    }
}
