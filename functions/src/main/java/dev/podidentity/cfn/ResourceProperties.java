package dev.podidentity.cfn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.api.Json;
import dev.podidentity.domain.ServiceException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Reads a custom resource's properties. CloudFormation passes every scalar as a string ({@code "true"}, {@code "3600"}),
 * tags as {@code [{"Key":..,"Value":..}]} (CloudFormation's convention) or a plain map, and a JSON document either as
 * an object or as its text.
 */
record ResourceProperties(JsonNode node) {

    String string(String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? null : v.isValueNode() ? v.asText() : null;
    }

    String required(String name) {
        String v = string(name);
        if (v == null || v.isEmpty()) {
            throw ServiceException.invalidParameter(name + " is required");
        }
        return v;
    }

    /** A JSON document given as an object (YAML/JSON template) or as its text (a string property). */
    String document(String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        return v.isTextual() ? v.textValue() : Json.write(v);
    }

    /** A true/false property; absent is false (the default of every flag the resources have). */
    boolean flag(String name) {
        String v = string(name);
        if (v == null) {
            return false;
        }
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw ServiceException.invalidParameter(name + " is '" + v + "': use true or false");
    }

    Integer integer(String name) {
        String v = string(name);
        if (v == null) {
            return null;
        }
        try {
            return Integer.valueOf(v.strip());
        } catch (NumberFormatException e) {
            throw ServiceException.invalidParameter(name + " is '" + v + "': use a whole number");
        }
    }

    /** Tags as CloudFormation writes them (a list of Key/Value) or as a map; null when absent. */
    Map<String, String> tags(String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        if (v.isArray()) {
            for (JsonNode tag : v) {
                JsonNode key = tag.get("Key");
                JsonNode value = tag.get("Value");
                if (key == null || !key.isValueNode() || value == null || !value.isValueNode()) {
                    throw ServiceException.invalidParameter(name + " must be a list of {Key, Value} or a map of strings");
                }
                out.put(key.asText(), value.asText());
            }
            return out;
        }
        if (v.isObject()) {
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                if (!e.getValue().isValueNode()) {
                    throw ServiceException.invalidParameter(name + "." + e.getKey() + " must be a string");
                }
                out.put(e.getKey(), e.getValue().asText());
            }
            return out;
        }
        throw ServiceException.invalidParameter(name + " must be a list of {Key, Value} or a map of strings");
    }

    /** Whether {@code name} has the same value here and in {@code other}. */
    boolean same(ResourceProperties other, String name) {
        return Objects.equals(string(name), other.string(name));
    }
}
