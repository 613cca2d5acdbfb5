package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podidentity.local.bench.Benchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark command runs end to end (a few iterations), reports every section, and its requests succeeded (a
 * failing warm or self-time request aborts the run; the throughput section counts its failures). No timing is asserted.
 */
class BenchmarkSmokeTest {

    @Test
    void quickBenchmark_reportsEverySection_andEveryRequestSucceeded(@TempDir Path out) throws Exception {
        Path report = Benchmark.run(Benchmark.Config.quick(out));
        String text = Files.readString(report);
        assertThat(text).contains("## Lambda deployment packages", "## Fresh-JVM first response", "hello-world JVM",
                "## Warm latency", "| AssumeRoleForPodIdentity |", "## AssumeRoleForPodIdentity throughput",
                "## Handler self-time");
        JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        JsonNode throughput = results.path("assumeRoleThroughputRequests");
        assertThat(throughput.path("ok").asLong()).as("successful AssumeRoleForPodIdentity requests").isPositive();
        assertThat(throughput.path("failed").asLong()).as("failed AssumeRoleForPodIdentity requests").isZero();
        assertThat(results.path("assumeRolePerSecond").asDouble()).isPositive();
        assertThat(results.path("warmMs").properties()).extracting(e -> e.getKey()).containsExactlyInAnyOrder(
                "CreatePodIdentityAssociation", "DescribePodIdentityAssociation", "ListPodIdentityAssociations",
                "UpdatePodIdentityAssociation", "DescribeCluster", "DeletePodIdentityAssociation",
                "AssumeRoleForPodIdentity", "AdmitPod");
        assertThat(results.path("selfTimeMs").properties()).extracting(e -> e.getKey())
                .contains("AssumeRoleForPodIdentity", "CreatePodIdentityAssociation", "AdmitPod");
        assertThat(results.path("freshJvmMs").size()).as("fresh-JVM measurements").isPositive();
        // real components: measured when the binaries are there (always under CI=true), else said how to get them
        assertThat(text).contains("## Real kube-apiserver and the stock agent");
        JsonNode real = results.path("realCluster");
        if (dev.podidentity.local.k8s.K8sBinaries.missing() == null || "true".equals(System.getenv("CI"))) {
            assertThat(real.path("skipped").isMissingNode()).as(real.path("skipped").asText()).isTrue();
            assertThat(real.at("/podCreateWithoutWebhookMs/p50").asDouble()).isPositive();
            assertThat(real.at("/podCreateWithWebhookMs/p50").asDouble()).isPositive();
            assertThat(real.at("/agentFetchMs/ok").asInt()).isEqualTo(real.at("/agentFetchMs/count").asInt()).isPositive();
        } else {
            assertThat(text).contains(dev.podidentity.local.k8s.K8sBinaries.ENV);
        }
    }
}
