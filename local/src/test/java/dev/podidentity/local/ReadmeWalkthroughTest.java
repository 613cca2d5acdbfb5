package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's local-stack walkthrough, run as a reader would: every fenced block tagged {@code sh readme-test} in
 * README order, in one bash session (variables carry over, every command must succeed: {@code set -e}), on a fresh
 * stack started with {@code local/bin/pod-identity-local} on free ports. A block followed by a {@code text
 * readme-output} block must print that, line by line, where {@code …} stands for any text, runs of blanks count as
 * one, blank lines are ignored, the stack's ports read as 9000–9003 and {@code /tmp/} is the test's own folder.
 * No block may print a webhook key or credentials in full. The stack is then stopped the documented way ({@code pod-identity-local stop}). Needs bash, the AWS CLI, python3 and
 * curl 7.75+ (SigV4); without them it skips with a message, except under {@code CI=true}, where it fails.
 */
class ReadmeWalkthroughTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Pattern FENCE = Pattern.compile("^```([^\\n]*)\\n(.*?)^```[ \\t]*$", Pattern.MULTILINE | Pattern.DOTALL);
    static final String ELLIPSIS = "…";

    /** One executed block and the output the README shows for it (null when it shows none). */
    record Block(int index, String script, String expected) {
        String title() {
            return "README block " + index + " (" + script.lines().findFirst().orElse("").strip() + ")";
        }
    }

    @TempDir
    static Path dir;
    static Process stack;
    static int port;
    static Path state;
    static Path log;

    @BeforeAll
    static void startStack() throws Exception {
        state = dir.resolve("stack.json");
        log = dir.resolve("stack.log");
        String missing = missingTool();
        if (missing != null) {
            String message = "ReadmeWalkthroughTest needs " + missing;
            if ("true".equals(System.getenv("CI"))) {
                fail(message + " (CI=true: the README walkthrough may not skip)");
            }
            System.err.println("SKIPPED: " + message); // surefire does not print why a class was aborted
            Assumptions.assumeTrue(false, message);
        }
        for (int attempt = 0; attempt < 5 && stack == null; attempt++) {
            port = freePortRange();
            ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("local/bin/pod-identity-local").toString(),
                    "--port", Integer.toString(port)).directory(ROOT.toFile());
            environment(pb.environment());
            pb.redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process started = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (started.isAlive() && !Files.readString(log).contains("Stop it with Ctrl+C")
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            if (started.isAlive() && Files.readString(log).contains("Stop it with Ctrl+C")) {
                stack = started;
            } else {
                started.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                if (!Files.readString(log).contains("A port of the local stack is in use")) {
                    fail("the local stack did not start:\n" + Files.readString(log));
                }
            }
        }
        assertThat(stack).as("a local stack on free ports").isNotNull();
    }

    @AfterAll
    static void stopStack() throws InterruptedException {
        if (stack != null && stack.isAlive()) {
            stack.destroy();
            stack.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** What the README's blocks and the launcher run with: a private HOME, the stack's port and state file. */
    static void environment(Map<String, String> env) {
        env.keySet().removeIf(k -> k.startsWith("AWS_"));
        env.put("HOME", dir.resolve("home").toString());
        env.put("PORT", Integer.toString(port));
        env.put("POD_IDENTITY_LOCAL_STATE", state.toString());
        // the classes under test: a nested Maven build would rewrite the jars this build is running
        env.put("POD_IDENTITY_LOCAL_CLASSPATH", System.getProperty("java.class.path"));
        env.put("POWERTOOLS_LOG_LEVEL", "WARN");
    }

    @Test
    void readmeBlocks_runInOrderOnAFreshStack_printWhatTheReadmeShows_andStopStopsTheStack() throws Exception {
        String banner = Files.readString(log);
        assertThat(banner).as("no escape codes in a log").doesNotContain("\u001b").doesNotContainIgnoringCase("npm warn");
        assertThat(banner).contains("Pod Identity local stack is up (PID " + stack.pid() + ").",
                "  API (SigV4, service execute-api): http://127.0.0.1:" + port,
                "  admin credentials: AWS_ACCESS_KEY_ID=" + LocalStack.DEFAULT_ADMIN_KEY + " AWS_SECRET_ACCESS_KEY="
                        + LocalStack.DEFAULT_ADMIN_SECRET,
                "Stop it with Ctrl+C, or from another shell: local/bin/pod-identity-local stop");
        assertThat(Files.readString(state)).contains("\"pid\" : " + stack.pid());

        List<Block> blocks = blocks(Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8));
        assertThat(blocks).as("README blocks tagged 'sh readme-test'").hasSizeGreaterThanOrEqualTo(8);
        assertThat(blocks.get(0).script()).as("the shared setup comes first").contains("PORT=${PORT:-9000}", "SIGN=(");
        Files.createDirectories(dir.resolve("home"));
        StringBuilder session = new StringBuilder("set -e\n");
        for (Block block : blocks) {
            Path file = dir.resolve("block-" + block.index() + ".sh");
            Files.writeString(file, block.script().replace("/tmp/", dir + "/"));
            session.append("echo ").append(block.index()).append(" > ").append(dir.resolve("current")).append('\n')
                    .append("source ").append(file).append(" > ").append(output(block)).append(" 2>&1\n");
        }
        session.append("echo done > ").append(dir.resolve("current")).append('\n');
        Path script = Files.writeString(dir.resolve("walkthrough.sh"), session);
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).directory(ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("walkthrough.out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        environment(pb.environment());
        Process bash = pb.start();
        if (!bash.waitFor(180, TimeUnit.SECONDS)) {
            bash.destroyForcibly();
        }
        String reached = Files.readString(dir.resolve("current")).strip();
        for (Block block : blocks) {
            String actual = normalize(Files.exists(output(block)) ? Files.readString(output(block)) : "");
            if (reached.equals(Integer.toString(block.index()))) {
                fail(block.title() + " failed (exit status " + (bash.isAlive() ? "none: timed out" : bash.exitValue())
                        + "); its output:\n" + actual + "\nthe stack's log:\n" + Files.readString(log));
            }
            // secrets appear only where the README says: webhook keys masked, credentials never printed in full
            assertThat(actual).as(block.title() + " prints no secret")
                    .doesNotContainPattern("/admission/[A-Za-z0-9_-]{16,}")
                    .doesNotContainPattern("ASIA[A-Z0-9]{16}")
                    .doesNotContainIgnoringCase("secretAccessKey")
                    .doesNotContainIgnoringCase("sessionToken");
            if (block.expected() != null) {
                assertMatches(block, actual);
            }
        }
        assertThat(reached).isEqualTo("done");

        // the documented way to stop a stack running in the background
        Result stopped = run(ROOT.resolve("local/bin/pod-identity-local").toString(), "stop");
        assertThat(stopped.exit()).as(stopped.output()).isZero();
        assertThat(stopped.output()).isEqualTo("Stopped the local stack (PID " + stack.pid() + ").\n");
        assertThat(stack.waitFor(10, TimeUnit.SECONDS)).as("the stack's process ended").isTrue();
        assertThat(state).as("a stopped stack removes its state file").doesNotExist();
        Result again = run(ROOT.resolve("local/bin/pod-identity-local").toString(), "stop");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.output()).contains("No local stack is running");
        assertThat(Files.readString(log)).doesNotContain("\u001b");
    }

    @Test
    void expectedOutput_placeholdersMatchAnyText_butNothingElse() {
        Block block = new Block(0, "", "a-… x\n\nok\n");
        assertMatches(block, "a-123abc   x\nok");
        assertThat(matches(block.expected(), "a-123abc x\nok\nmore")).isFalse();
        assertThat(matches(block.expected(), "b-123 x\nok")).isFalse();
    }

    static Path output(Block block) {
        return dir.resolve("block-" + block.index() + ".out");
    }

    /** The blocks tagged {@code sh readme-test}, each with the {@code text readme-output} block right after it. */
    static List<Block> blocks(String readme) {
        List<Block> blocks = new ArrayList<>();
        Matcher m = FENCE.matcher(readme);
        int lastEnd = -1;
        while (m.find()) {
            String[] info = m.group(1).strip().split("\\s+");
            boolean tagged = info.length > 1;
            if (tagged && info[1].equals("readme-test")) {
                blocks.add(new Block(blocks.size(), m.group(2), null));
            } else if (tagged && info[1].equals("readme-output")) {
                assertThat(blocks).as("a readme-output block follows a readme-test block").isNotEmpty();
                Block last = blocks.get(blocks.size() - 1);
                assertThat(readme.substring(lastEnd, m.start()).strip())
                        .as("only blank lines between " + last.title() + " and its output").isEmpty();
                blocks.set(blocks.size() - 1, new Block(last.index(), last.script(), m.group(2)));
            }
            lastEnd = m.end();
        }
        return blocks;
    }

    /** The output as the README shows it: the stack's ports as 9000–9003, the test's folder as /tmp. */
    static String normalize(String output) {
        String text = output.replace(dir.toString(), "/tmp");
        for (int i = 3; i >= 0; i--) {
            text = text.replace("127.0.0.1:" + (port + i), "127.0.0.1:" + (9000 + i));
        }
        return text;
    }

    static void assertMatches(Block block, String actual) {
        if (!matches(block.expected(), actual)) {
            fail(block.title() + " printed\n" + actual + "\nbut the README shows\n" + block.expected());
        }
    }

    static boolean matches(String expected, String actual) {
        List<String> want = lines(expected);
        List<String> got = lines(actual);
        if (want.size() != got.size()) {
            return false;
        }
        for (int i = 0; i < want.size(); i++) {
            StringBuilder regex = new StringBuilder();
            for (String part : want.get(i).split(ELLIPSIS, -1)) {
                regex.append(regex.isEmpty() ? "" : ".*?").append(Pattern.quote(part));
            }
            if (!got.get(i).matches(regex.toString())) {
                return false;
            }
        }
        return true;
    }

    static List<String> lines(String text) {
        return text.lines().map(l -> l.strip().replaceAll("\\s+", " ")).filter(l -> !l.isEmpty()).toList();
    }

    record Result(int exit, String output) {
    }

    static Result run(String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        environment(pb.environment());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        return new Result(p.exitValue(), out);
    }

    /** The first tool the walkthrough needs and this machine lacks, or null. */
    static String missingTool() throws IOException, InterruptedException {
        for (String tool : List.of("bash", "python3", "aws", "curl")) {
            if (AwsCliTest.onPath(tool).isEmpty()) {
                return "'" + tool + "' on PATH" + (tool.equals("aws") ? " (pip install awscli)" : "");
            }
        }
        Result version = run("curl", "--version");
        Matcher m = Pattern.compile("^curl (\\d+)\\.(\\d+)").matcher(version.output());
        if (!m.find() || Integer.parseInt(m.group(1)) * 1000 + Integer.parseInt(m.group(2)) < 7075) {
            return "curl 7.75 or newer (--aws-sigv4); found: " + version.output().lines().findFirst().orElse("none");
        }
        return null;
    }

    /** A base port whose four consecutive ports (API, STS/IAM, DynamoDB, agent) are free right now. */
    static int freePortRange() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 60_000);
            if (free(base) && free(base + 1) && free(base + 2) && free(base + 3)) {
                return base;
            }
        }
        throw new IOException("no four consecutive free ports found");
    }

    static boolean free(int candidate) {
        try (ServerSocket socket = new ServerSocket(candidate, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort() == candidate;
        } catch (IOException e) {
            return false;
        }
    }
}
