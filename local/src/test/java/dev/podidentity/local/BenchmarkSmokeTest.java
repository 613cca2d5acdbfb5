package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podidentity.local.bench.Benchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark command runs end to end (a few iterations) and reports every section. No timing is asserted. */
class BenchmarkSmokeTest {

    @Test
    void quickBenchmark_reportsEverySection(@TempDir Path out) throws Exception {
        Path report = Benchmark.run(Benchmark.Config.quick(out));
        String text = Files.readString(report);
        assertThat(text).contains("## Lambda deployment packages", "## Fresh-JVM first response", "hello-world JVM",
                "## Warm latency", "| AssumeRoleForPodIdentity |", "## AssumeRoleForPodIdentity throughput",
                "## Handler self-time");
        assertThat(Files.readString(out.resolve("results.json"))).contains("\"assumeRolePerSecond\"", "\"selfTimeMs\"");
    }
}
