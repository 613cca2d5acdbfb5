package dev.podidentity.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.WebhookKey;
import dev.podidentity.service.admission.AdmissionService;
import dev.podidentity.testing.InMemoryStore;
import dev.podidentity.testing.MovableClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every AdmitPod answer is counted in the EMF metric AdmissionOutcomes with only the Reason dimension: read back from
 * the function's standard output, where Lambda's log agent picks EMF up. The key never appears there.
 */
class AdmitPodMetricsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String KEY = WebhookKey.generate();

    @Test
    void outcomes_areCountedByReason_withoutTheKey() throws Exception {
        MovableClock clock = new MovableClock(Instant.parse("2026-12-04T00:00:00Z"));
        InMemoryStore store = new InMemoryStore(clock);
        store.registerCluster(new Cluster("prod", "arn:aws:eks:us-east-1:1:cluster/prod", "https://i", "{\"keys\":[]}",
                Map.of(), clock.instant(), clock.instant(), 0, 1, 3600, WebhookKey.hash(KEY)));
        AdmitPodHandler handler = new AdmitPodHandler(new AdmissionService(store, clock, "us-east-1"), "PodIdentity");
        String review = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\","
                + "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"operation\":\"CREATE\","
                + "\"namespace\":\"kube-system\",\"object\":{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}}}";
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> statuses = new ArrayList<>();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            statuses.add(handler.respond(event("prod", KEY, review)).statusCode());
            statuses.add(handler.respond(event("prod", "wrong-" + KEY, review)).statusCode());
            statuses.add(handler.respond(event("ghost", KEY, review)).statusCode());
            statuses.add(handler.respond(event("prod", KEY, "{}")).statusCode());
            statuses.add(handler.respond(event(dev.podidentity.api.Priming.CLUSTER, "priming", review)).statusCode());
        } finally {
            System.setOut(original);
        }
        assertThat(statuses).containsExactly(200, 403, 403, 400, 403);
        List<String> reasons = new ArrayList<>();
        String printed = out.toString(StandardCharsets.UTF_8);
        for (String line : printed.split("\n")) {
            if (!line.contains("\"_aws\"") || !line.contains("AdmissionOutcomes")) {
                continue;
            }
            JsonNode emf = JSON.readTree(line);
            JsonNode directive = emf.path("_aws").path("CloudWatchMetrics").get(0);
            assertThat(directive.path("Namespace").asText()).isEqualTo("PodIdentity");
            // exactly what the stack's alarms and dashboard select (PodIdentityStack.admissionCount)
            assertThat(directive.path("Dimensions").toString()).isEqualTo("[[\"Reason\"]]");
            assertThat(emf.path("AdmissionOutcomes").asDouble()).isEqualTo(1.0);
            reasons.add(emf.path("Reason").asText());
        }
        // SnapStart priming's requests are not counted: a deployment must not raise the refused-keys alarm
        assertThat(reasons).containsExactly("NotAssociated", "RefusedKey", "UnknownCluster", "Malformed");
        assertThat(printed).doesNotContain(KEY);
    }

    static JsonNode event(String cluster, String key, String body) {
        ObjectNode event = JSON.createObjectNode().put("httpMethod", "POST")
                .put("resource", "/clusters/{name}/admission/{webhookKey}")
                .put("path", "/clusters/" + cluster + "/admission/" + key).put("body", body);
        event.putObject("pathParameters").put("name", cluster).put("webhookKey", key);
        event.putObject("requestContext").put("requestId", "r");
        return event;
    }

}
