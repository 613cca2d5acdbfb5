package dev.podidentity.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.Text;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Read access to an API Gateway REST (v1) proxy event, as the JSON Lambda delivers, with the wire contract's error
 * for each mistake in it.
 */
public final class ApiRequest {
    /** API Gateway REST payloads are limited to 10 MB; ours never need more than this. */
    static final int MAX_BODY = 256 * 1024;

    private final JsonNode event;
    private ObjectNode body;

    public ApiRequest(JsonNode event) {
        this.event = event;
    }

    /**
     * A path label, percent-decoded exactly once. REST APIs hand labels over as the client sent them (still
     * percent-encoded where it encoded them, e.g. an SDK's {@code arn%3Aaws%3A...%2F...}; raw where it did not, e.g.
     * curl's {@code arn:aws:...:cluster/demo} through a greedy label); valid labels (names, ids, ARNs) never contain
     * '%', so decoding once gives the same value either way.
     */
    public String path(String label) {
        JsonNode v = event.path("pathParameters").get(label);
        if (v == null || !v.isTextual()) {
            throw ServiceException.invalidParameter(label + " is required in the path");
        }
        String raw = v.textValue();
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalidParameter(label + " in the path is not correctly percent-encoded");
        }
    }

    /** A query parameter (the last value when repeated, as API Gateway's single-value map has it). */
    public String query(String name) {
        List<String> all = queryAll(name);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    public List<String> queryAll(String name) {
        JsonNode multi = event.path("multiValueQueryStringParameters").get(name);
        List<String> out = new ArrayList<>();
        if (multi != null && multi.isArray()) {
            multi.forEach(v -> out.add(v.asText()));
            return out;
        }
        JsonNode single = event.path("queryStringParameters").get(name);
        if (single != null && single.isTextual()) {
            out.add(single.textValue());
        }
        return out;
    }

    public Integer queryInt(String name) {
        String value = query(name);
        if (value == null) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw ServiceException.invalidParameter(name + " must be an integer, got '" + Text.printable(value) + "'");
        }
    }

    /** The JSON object body; InvalidRequest when it is not one. */
    public ObjectNode body() {
        if (body == null) {
            body = Json.parseObject(rawBody(MAX_BODY));
        }
        return body;
    }

    /** The body as text (null when there is none), decoded when base64; InvalidRequest when longer than maxChars. */
    public String rawBody(int maxChars) {
        JsonNode node = event.get("body");
        String raw = node == null || node.isNull() ? null : node.asText();
        if (raw != null && event.path("isBase64Encoded").asBoolean(false)) {
            try {
                raw = new String(Base64.getDecoder().decode(raw), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw ServiceException.invalidRequest("The request body is not valid base64");
            }
        }
        if (raw != null && raw.length() > maxChars) {
            throw ServiceException.invalidRequest("The request body is larger than " + maxChars + " bytes");
        }
        return raw;
    }

    /**
     * The URL clients used to reach this API, without a trailing slash: scheme from {@code X-Forwarded-Proto} (API
     * Gateway sends https), host from {@code requestContext.domainName} (else the Host header), and the stage or base
     * path: what {@code requestContext.path} has in front of {@code path} ("/prod" on the execute-api domain, the base
     * path mapping or nothing on a custom domain). Without a host, an empty string (paths stay relative).
     */
    public String publicBaseUrl() {
        JsonNode context = event.path("requestContext");
        String host = context.path("domainName").textValue();
        if (host == null || host.isEmpty()) {
            host = header("Host");
        }
        if (host == null || host.isEmpty()) {
            return "";
        }
        String proto = header("X-Forwarded-Proto");
        String full = context.path("path").textValue();
        String path = event.path("path").textValue();
        String prefix = full != null && path != null && full.endsWith(path) ? full.substring(0, full.length() - path.length()) : "";
        return (proto == null || proto.isEmpty() ? "https" : proto) + "://" + host + prefix;
    }

    /** A request header, by case-insensitive name (the last value). */
    public String header(String name) {
        for (var h : event.path("headers").properties()) {
            if (h.getKey().equalsIgnoreCase(name) && h.getValue().isTextual()) {
                return h.getValue().textValue();
            }
        }
        return null;
    }

    /** The signed caller's ARN, from the request context API Gateway fills for AWS_IAM routes. */
    public String callerArn() {
        JsonNode arn = event.path("requestContext").path("identity").get("userArn");
        return arn == null || !arn.isTextual() ? null : arn.textValue();
    }
}
