package dev.podidentity.service.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.domain.IpFamily;
import dev.podidentity.domain.ServiceException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The JSON Patch (RFC 6902) that gives a pod what EKS Pod Identity injects: on every container and init container the
 * two container-credentials variables and a read-only mount of the projected token, and the projected volume itself
 * (audience {@value #AUDIENCE}, the cluster's token lifetime). Beyond EKS, where a container sets neither
 * AWS_REGION nor AWS_DEFAULT_REGION, both are set to the cluster's region: outside AWS there is no instance metadata
 * to take a region from. Pure: the pod in, the operations out.
 *
 * <p>Nothing the pod already has is touched: a container that defines either credentials variable gets neither (as
 * the stock amazon-eks-pod-identity-webhook does, so a token is never paired with a credentials URI the pod chose),
 * nor a region; a container with {@code envFrom} gets no region (its ConfigMaps may set one, and explicit variables
 * would override them). A pod with a volume of the token's name that is not the projected token, or a mount of
 * another volume at the token's directory or file, is in {@link #conflicts}: it gets no patch at all. Absent arrays
 * are added whole, present ones appended to ({@code /-}). A pod that already carries everything gets no operation,
 * so reinvocation changes nothing.
 */
public final class PodPatch {
    public static final String FULL_URI_VAR = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    public static final String TOKEN_FILE_VAR = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
    public static final String REGION_VAR = "AWS_REGION";
    public static final String DEFAULT_REGION_VAR = "AWS_DEFAULT_REGION";
    public static final String FULL_URI = IpFamily.IPV4.credentialsUri();
    public static final String VOLUME = "eks-pod-identity-token";
    public static final String MOUNT_PATH = "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount";
    public static final String TOKEN_PATH = "eks-pod-identity-token";
    public static final String TOKEN_FILE = MOUNT_PATH + "/" + TOKEN_PATH;
    public static final String AUDIENCE = "pods.eks.amazonaws.com";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** What the patch injects: the token's lifetime, the credentials URI, and the region (null: none). */
    public record Target(int tokenExpirationSeconds, String credentialsUri, String region) {
    }

    private PodPatch() {
    }

    /** The operations for {@code pod} (a Pod object as the API server sends it); empty when nothing is missing. */
    public static ArrayNode build(JsonNode pod, int tokenExpirationSeconds) {
        return build(pod, new Target(tokenExpirationSeconds, FULL_URI, null));
    }

    /** As {@link #build(JsonNode, int)}, with the cluster's credentials URI and region. */
    public static ArrayNode build(JsonNode pod, Target target) {
        JsonNode spec = pod.path("spec");
        if (!spec.isObject()) {
            throw ServiceException.invalidRequest("request.object.spec must be an object (a Pod spec)");
        }
        ArrayNode ops = NODES.arrayNode();
        containers(spec, "initContainers", ops, target);
        containers(spec, "containers", ops, target);
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
                    .put("expirationSeconds", target.tokenExpirationSeconds())
                    .put("path", TOKEN_PATH);
            add(ops, "/spec/volumes", volumes, volume);
        }
        return ops;
    }

    /**
     * What in the pod stands where the token goes, one line each (empty: nothing): a volume named {@value #VOLUME}
     * that is not a projected token for {@value #AUDIENCE}, and any container's mount of another volume at the
     * token's directory or file. The env variables would then point at a file that is not our token.
     */
    public static List<String> conflicts(JsonNode pod) {
        List<String> out = new ArrayList<>();
        JsonNode spec = pod.path("spec");
        for (JsonNode v : spec.path("volumes")) {
            if (VOLUME.equals(v.path("name").asText(null)) && !isTokenVolume(v)) {
                out.add("volume " + VOLUME + " is the pod's own");
            }
        }
        for (String field : List.of("initContainers", "containers")) {
            for (JsonNode c : spec.path(field)) {
                for (JsonNode m : c.path("volumeMounts")) {
                    String path = m.path("mountPath").asText("");
                    String normalized = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
                    if ((normalized.equals(MOUNT_PATH) || normalized.equals(TOKEN_FILE))
                            && !VOLUME.equals(m.path("name").asText(null))) {
                        out.add("container " + c.path("name").asText("?") + " mounts " + m.path("name").asText("?")
                                + " at " + normalized);
                    }
                }
            }
        }
        return out;
    }

    /** A volume as this patch adds it (or as the stock webhook does): a projected token for our audience. */
    private static boolean isTokenVolume(JsonNode volume) {
        for (JsonNode source : volume.path("projected").path("sources")) {
            if (AUDIENCE.equals(source.path("serviceAccountToken").path("audience").asText(null))) {
                return true;
            }
        }
        return false;
    }

    private static void containers(JsonNode spec, String field, ArrayNode ops, Target target) {
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
                List<JsonNode> vars = new ArrayList<>(List.of(
                        NODES.objectNode().put("name", FULL_URI_VAR).put("value", target.credentialsUri()),
                        NODES.objectNode().put("name", TOKEN_FILE_VAR).put("value", TOKEN_FILE)));
                if (target.region() != null && !names.contains(REGION_VAR) && !names.contains(DEFAULT_REGION_VAR)
                        && !container.has("envFrom")) {
                    vars.add(NODES.objectNode().put("name", REGION_VAR).put("value", target.region()));
                    vars.add(NODES.objectNode().put("name", DEFAULT_REGION_VAR).put("value", target.region()));
                }
                add(ops, base + "/env", env, vars.toArray(JsonNode[]::new));
            }
            JsonNode mounts = array(container, "volumeMounts", where + ".volumeMounts");
            // nothing at the token's directory yet: our mount (a reinvocation finds ours there and adds nothing)
            if (!names(mounts, "mountPath").contains(MOUNT_PATH)) {
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
