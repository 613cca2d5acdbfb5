package dev.podidentity.service.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.domain.ServiceException;
import java.util.HashSet;
import java.util.Set;

/**
 * The JSON Patch (RFC 6902) that gives a pod what EKS Pod Identity injects: on every container and init container the
 * two container-credentials variables and a read-only mount of the projected token, and the projected volume itself
 * (audience {@value #AUDIENCE}, the cluster's token lifetime). Pure: the pod in, the operations out.
 *
 * <p>Nothing the pod already has is touched: a container that defines either variable gets neither (as the stock
 * amazon-eks-pod-identity-webhook does, so a token is never paired with a credentials URI the pod chose); a mount is
 * skipped when one of the same name or mount path exists; the volume when one of its name exists. Absent arrays are
 * added whole, present ones appended to ({@code /-}). A pod that already carries everything gets no operation, so
 * reinvocation changes nothing.
 */
public final class PodPatch {
    public static final String FULL_URI_VAR = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    public static final String TOKEN_FILE_VAR = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
    public static final String FULL_URI = "http://169.254.170.23/v1/credentials";
    public static final String VOLUME = "eks-pod-identity-token";
    public static final String MOUNT_PATH = "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount";
    public static final String TOKEN_PATH = "eks-pod-identity-token";
    public static final String TOKEN_FILE = MOUNT_PATH + "/" + TOKEN_PATH;
    public static final String AUDIENCE = "pods.eks.amazonaws.com";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private PodPatch() {
    }

    /** The operations for {@code pod} (a Pod object as the API server sends it); empty when nothing is missing. */
    public static ArrayNode build(JsonNode pod, int tokenExpirationSeconds) {
        JsonNode spec = pod.path("spec");
        if (!spec.isObject()) {
            throw ServiceException.invalidRequest("request.object.spec must be an object (a Pod spec)");
        }
        ArrayNode ops = NODES.arrayNode();
        containers(spec, "initContainers", ops);
        containers(spec, "containers", ops);
        JsonNode volumes = array(spec, "volumes", "request.object.spec.volumes");
        boolean hasVolume = false;
        if (volumes != null) {
            for (JsonNode v : volumes) {
                hasVolume |= VOLUME.equals(v.path("name").asText(null));
            }
        }
        if (!hasVolume) {
            ObjectNode volume = NODES.objectNode().put("name", VOLUME);
            volume.putObject("projected").putArray("sources").addObject().putObject("serviceAccountToken")
                    .put("audience", AUDIENCE)
                    .put("expirationSeconds", tokenExpirationSeconds)
                    .put("path", TOKEN_PATH);
            add(ops, "/spec/volumes", volumes, volume);
        }
        return ops;
    }

    private static void containers(JsonNode spec, String field, ArrayNode ops) {
        JsonNode list = array(spec, field, "request.object.spec." + field);
        if (list == null) {
            if (field.equals("containers")) {
                throw ServiceException.invalidRequest("request.object.spec.containers is required (a Pod has at least one container)");
            }
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode container = list.get(i);
            String where = "request.object.spec." + field + "[" + i + "]";
            if (!container.isObject()) {
                throw ServiceException.invalidRequest(where + " must be an object (a container)");
            }
            String base = "/spec/" + field + "/" + i;
            JsonNode env = array(container, "env", where + ".env");
            Set<String> names = names(env, "name");
            if (!names.contains(FULL_URI_VAR) && !names.contains(TOKEN_FILE_VAR)) {
                add(ops, base + "/env", env, NODES.objectNode().put("name", FULL_URI_VAR).put("value", FULL_URI),
                        NODES.objectNode().put("name", TOKEN_FILE_VAR).put("value", TOKEN_FILE));
            }
            JsonNode mounts = array(container, "volumeMounts", where + ".volumeMounts");
            if (!names(mounts, "name").contains(VOLUME) && !names(mounts, "mountPath").contains(MOUNT_PATH)) {
                add(ops, base + "/volumeMounts", mounts,
                        NODES.objectNode().put("name", VOLUME).put("mountPath", MOUNT_PATH).put("readOnly", true));
            }
        }
    }

    /** Adds the values: the whole array when it is absent, else appended one by one. */
    private static void add(ArrayNode ops, String path, JsonNode existing, JsonNode... values) {
        if (existing == null) {
            ArrayNode array = NODES.arrayNode();
            for (JsonNode v : values) {
                array.add(v);
            }
            ops.addObject().put("op", "add").put("path", path).set("value", array);
        } else {
            for (JsonNode v : values) {
                ops.addObject().put("op", "add").put("path", path + "/-").set("value", v);
            }
        }
    }

    /** The array member, or null when absent or JSON null; a 400 when it is something else. */
    private static JsonNode array(JsonNode parent, String field, String where) {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw ServiceException.invalidRequest(where + " must be an array");
        }
        return v;
    }

    private static Set<String> names(JsonNode array, String field) {
        Set<String> out = new HashSet<>();
        if (array != null) {
            for (JsonNode item : array) {
                JsonNode v = item.get(field);
                if (v != null && v.isTextual()) {
                    out.add(v.textValue());
                }
            }
        }
        return out;
    }
}
