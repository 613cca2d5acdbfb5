package dev.podidentity.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.domain.ServiceException;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON in and out of the wire: Jackson's tree model only (no data binding, no reflection). */
public final class Json {
    /**
     * The longest JSON string read: above the 10 MB API Gateway accepts, so any proxy event's body string parses and
     * each route applies its own body limit with a 400 (AdmitPod takes up to 2 MiB reviews, the others 256 KiB).
     */
    static final int MAX_STRING = 16 << 20;
    public static final ObjectMapper MAPPER;

    static {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(MAX_STRING).build())
                .build();
        MAPPER = new ObjectMapper(factory);
        MAPPER.enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
    }

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Parses a request body that must be a JSON object; an empty body is an empty object. */
    public static ObjectNode parseObject(String body) {
        if (body == null || body.isBlank()) {
            return object();
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (IOException e) {
            throw ServiceException.invalidRequest("The request body is not valid JSON: send a JSON object");
        }
        if (node == null || !node.isObject()) {
            throw ServiceException.invalidRequest("The request body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** restJson1 timestamps: epoch seconds as a JSON number, milliseconds as the fraction. */
    public static BigDecimal timestamp(Instant instant) {
        return BigDecimal.valueOf(instant.toEpochMilli(), 3);
    }

    public static String optionalString(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ServiceException.invalidParameter(field + " must be a string");
        }
        return v.textValue();
    }

    public static Boolean optionalBoolean(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw ServiceException.invalidParameter(field + " must be true or false");
        }
        return v.booleanValue();
    }

    public static Map<String, String> optionalStringMap(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw ServiceException.invalidParameter(field + " must be an object of string keys and string values");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().isTextual()) {
                throw ServiceException.invalidParameter(field + "." + e.getKey() + " must be a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    public static ObjectNode stringMap(Map<String, String> map) {
        ObjectNode node = object();
        map.forEach(node::put);
        return node;
    }
}
