package dev.podidentity.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.domain.ServiceException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Read access to an API Gateway REST (v1) proxy event, with the wire contract's error for each mistake. */
public final class ApiRequest {
    /** API Gateway REST payloads are limited to 10 MB; ours never need more than this. */
    static final int MAX_BODY = 256 * 1024;

    private final APIGatewayProxyRequestEvent event;
    private ObjectNode body;

    public ApiRequest(APIGatewayProxyRequestEvent event) {
        this.event = event;
    }

    /**
     * A path label, percent-decoded. API Gateway may hand labels over decoded or not; valid labels (names, ids, ARNs)
     * never contain '%', so decoding is safe either way.
     */
    public String path(String label) {
        Map<String, String> params = event.getPathParameters();
        String raw = params == null ? null : params.get(label);
        if (raw == null) {
            throw ServiceException.invalidParameter(label + " is required in the path");
        }
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalidParameter(label + " in the path is not correctly percent-encoded");
        }
    }

    public String query(String name) {
        Map<String, List<String>> multi = event.getMultiValueQueryStringParameters();
        if (multi != null && multi.get(name) != null && !multi.get(name).isEmpty()) {
            List<String> values = multi.get(name);
            return values.get(values.size() - 1);
        }
        Map<String, String> single = event.getQueryStringParameters();
        return single == null ? null : single.get(name);
    }

    public List<String> queryAll(String name) {
        Map<String, List<String>> multi = event.getMultiValueQueryStringParameters();
        if (multi != null && multi.get(name) != null) {
            return multi.get(name);
        }
        String single = query(name);
        return single == null ? List.of() : List.of(single);
    }

    public Integer queryInt(String name) {
        String value = query(name);
        if (value == null) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw ServiceException.invalidParameter(name + " must be an integer, got '" + dev.podidentity.domain.Text.printable(value) + "'");
        }
    }

    /** The JSON object body; InvalidRequest when it is not one. */
    public ObjectNode body() {
        if (body == null) {
            String raw = event.getBody();
            if (raw != null && Boolean.TRUE.equals(event.getIsBase64Encoded())) {
                try {
                    raw = new String(java.util.Base64.getDecoder().decode(raw), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw ServiceException.invalidRequest("The request body is not valid base64");
                }
            }
            if (raw != null && raw.length() > MAX_BODY) {
                throw ServiceException.invalidRequest("The request body is larger than " + MAX_BODY + " bytes");
            }
            body = Json.parseObject(raw);
        }
        return body;
    }

    /** The signed caller's ARN, from the request context API Gateway fills for AWS_IAM routes. */
    public String callerArn() {
        var context = event.getRequestContext();
        if (context == null || context.getIdentity() == null) {
            return null;
        }
        return context.getIdentity().getUserArn();
    }

    public String requestId() {
        var context = event.getRequestContext();
        return context == null ? null : context.getRequestId();
    }
}
