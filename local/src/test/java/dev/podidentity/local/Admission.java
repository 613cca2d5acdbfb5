package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.flipkart.zjsonpatch.JsonPatch;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.json.JsonMapper;

/** What the API server does with the webhook: POST an AdmissionReview (unsigned), apply the JSON Patch it answers. */
final class Admission {
    static final ObjectMapper JSON = new ObjectMapper();
    /** fabric8's model binds with Jackson 3. */
    static final JsonMapper KUBE = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private Admission() {
    }

    /** The answer of one admission call. */
    record Answer(int status, String errorType, JsonNode body) {
        String uid() {
            return body.path("response").path("uid").asText(null);
        }

        boolean allowed() {
            return body.path("response").path("allowed").asBoolean(false);
        }

        /** The decoded JSON Patch, or null when none was answered. */
        JsonNode patch() {
            JsonNode p = body.path("response").get("patch");
            if (p == null) {
                return null;
            }
            assertThat(body.path("response").path("patchType").asText()).isEqualTo("JSONPatch");
            try {
                return JSON.readTree(Base64.getDecoder().decode(p.asText()));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** Registers (or re-registers) a cluster through the API; answers the response body. */
    static JsonNode register(String name, String issuer, String jwks, String extraMembers) {
        String body = "{\"issuer\":\"" + issuer + "\",\"jwks\":" + jwks + (extraMembers == null ? "" : "," + extraMembers) + "}";
        ClusterApi.Response r = ClusterApi.signed("PUT", "/clusters/" + name, body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    static String webhookUrl(JsonNode registration) {
        String url = registration.path("webhookUrl").asText(null);
        assertThat(url).as("webhookUrl in " + registration).isNotNull();
        return url;
    }

    /** A pod as a controller creates it: JSON with single quotes for readability. */
    static ObjectNode pod(String singleQuotedJson) {
        try {
            return (ObjectNode) JSON.readTree(singleQuotedJson.replace('\'', '"'));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static ObjectNode review(String namespace, JsonNode pod) {
        ObjectNode review = JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request").put("uid", UUID.randomUUID().toString());
        request.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
        request.putObject("resource").put("group", "").put("version", "v1").put("resource", "pods");
        request.put("namespace", namespace).put("operation", "CREATE").put("dryRun", false);
        request.putObject("userInfo").put("username", "system:serviceaccount:kube-system:replicaset-controller");
        request.set("object", pod);
        request.putNull("oldObject");
        return review;
    }

    static Answer admit(String url, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode json = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
            String type = r.headers().map().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("x-amzn-errortype"))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
            return new Answer(r.statusCode(), type, json);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static Answer admit(String url, ObjectNode review) {
        Answer a = admit(url, review.toString());
        if (a.status() == 200) {
            assertThat(a.body().path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
            assertThat(a.body().path("kind").asText()).isEqualTo("AdmissionReview");
            assertThat(a.uid()).isEqualTo(review.path("request").path("uid").asText());
            assertThat(a.allowed()).isTrue();
        }
        return a;
    }

    /**
     * An admission that must patch: an answer degraded by a data-store timeout on this shared 2-core machine (allowed,
     * no patch, with the failure warning) is asked again, as recreating the pod would; an answer without a patch and
     * without the warning (the store said "no association") fails at once.
     */
    static Answer admitPatched(String url, ObjectNode review) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (true) {
            Answer a = admit(url, review);
            if (a.patch() != null) {
                return a;
            }
            assertThat(a.body().path("response").path("warnings").toString()).as("no patch without a failure: " + a)
                    .contains("association lookup failed");
            assertThat(System.nanoTime()).as("data store kept failing: " + a).isLessThan(deadline);
        }
    }

    /** The pod after the API server applied the patch (unchanged without one), as the Kubernetes model reads it. */
    static JsonNode applied(JsonNode pod, Answer answer) {
        JsonNode patch = answer.patch();
        return patch == null ? pod : JsonPatch.apply(patch, pod);
    }

    static Pod model(JsonNode pod) {
        return KUBE.readValue(pod.toString(), Pod.class);
    }

    static Map<String, String> env(List<io.fabric8.kubernetes.api.model.EnvVar> env) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        env.forEach(e -> {
            assertThat(out.put(e.getName(), e.getValue())).as("duplicate env var " + e.getName()).isNull();
        });
        return out;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
