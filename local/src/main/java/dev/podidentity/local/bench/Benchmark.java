package dev.podidentity.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.api.Route;
import dev.podidentity.domain.IssuedCredentials;
import dev.podidentity.domain.ServiceIdentity;
import dev.podidentity.handlers.AdmitPodHandler;
import dev.podidentity.handlers.AssumeRoleForPodIdentityHandler;
import dev.podidentity.handlers.CreatePodIdentityAssociationHandler;
import dev.podidentity.handlers.Routes;
import dev.podidentity.local.Invoke;
import dev.podidentity.local.LocalStack;
import dev.podidentity.local.agent.LocalCluster;
import dev.podidentity.service.AssociationService;
import dev.podidentity.service.ClusterService;
import dev.podidentity.service.CredentialService;
import dev.podidentity.service.PageTokens;
import dev.podidentity.service.admission.AdmissionService;
import dev.podidentity.testing.InMemoryStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import javax.tools.ToolProvider;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * The benchmark command ({@code local/bin/bench}): package size, fresh-JVM first response per handler beside a
 * hello-world JVM, warm latency percentiles per operation through the local stack, AssumeRoleForPodIdentity
 * throughput, and handler self-time without DynamoDB or STS round trips. Prints the numbers and writes them to
 * {@code bench-results/results.md}. Numbers, not assertions: CI runs {@code --quick} as a smoke test only.
 */
public final class Benchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How much to measure. */
    public record Config(int coldRuns, int warmRequests, Duration throughputTime, int threads, int selfIterations,
                         Path out, java.util.Set<String> only) {
        public static Config full() {
            return new Config(5, 2000, Duration.ofSeconds(10), 16, 50_000, Path.of("bench-results"), java.util.Set.of());
        }

        public static Config quick(Path out) {
            return new Config(1, 30, Duration.ofSeconds(1), 4, 500, out, java.util.Set.of());
        }

        Config only(java.util.Set<String> sections) {
            return new Config(coldRuns, warmRequests, throughputTime, threads, selfIterations, out, sections);
        }

        boolean runs(String section) {
            return only.isEmpty() || only.contains(section);
        }
    }

    private final Config config;
    private final List<String> lines = new ArrayList<>();
    private final Map<String, Object> results = new LinkedHashMap<>();

    private Benchmark(Config config) {
        this.config = config;
    }

    public static void main(String[] args) throws Exception {
        Config config = Config.full();
        java.util.Set<String> only = new java.util.HashSet<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--quick")) {
                config = Config.quick(Path.of("bench-results"));
            } else if (args[i].equals("--only") && i + 1 < args.length) {
                only.addAll(List.of(args[++i].split(",")));
            } else {
                System.err.println("usage: bench [--quick] [--only package,cold,warm,throughput,self,webhook,k8s]");
                System.exit(2);
            }
        }
        config = config.only(only);
        Path report = run(config);
        System.out.println("\nwritten to " + report.toAbsolutePath());
        System.exit(0);
    }

    /** Runs every measurement; answers the report file. */
    public static Path run(Config config) throws Exception {
        return new Benchmark(config).measure();
    }

    private Path measure() throws Exception {
        say("# Benchmark — " + DateTimeFormatter.ISO_INSTANT.format(Instant.now()));
        say("");
        say("Machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version")
                + " (" + System.getProperty("java.vm.name") + "), " + System.getProperty("os.arch"));
        say("");
        if (config.runs("package")) {
            packageSize();
        }
        if (config.runs("cold") || config.runs("warm") || config.runs("throughput") || config.runs("webhook")) {
            try (LocalStack stack = LocalStack.start(LocalStack.Options.defaults())) {
                Fixture fixture = new Fixture(stack);
                if (config.runs("cold")) {
                    coldStarts(stack, fixture);
                }
                if (config.runs("warm")) {
                    warmLatency(stack, fixture);
                }
                if (config.runs("throughput")) {
                    throughput(stack, fixture);
                }
                if (config.runs("webhook") && !config.runs("warm")) {
                    webhookLatency(fixture);
                }
            }
        }
        if (config.runs("self")) {
            selfTime();
        }
        if (config.runs("k8s")) {
            results.put("realCluster", RealClusterBench.run(config.warmRequests() >= 1000 ? 200 : 10, this::say));
        }
        Files.createDirectories(config.out());
        Path md = config.out().resolve("results.md");
        Files.writeString(md, String.join("\n", lines) + "\n");
        Files.writeString(config.out().resolve("results.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results));
        return md;
    }

    private void say(String line) {
        System.out.println(line);
        System.out.flush();
        lines.add(line);
    }

    // ---------------------------------------------------------------- package

    private void packageSize() throws IOException {
        say("## Lambda deployment packages");
        say("");
        Path target = null;
        for (Path dir = Path.of("").toAbsolutePath(); dir != null && target == null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("functions/target/pod-identity-functions.zip"))) {
                target = dir.resolve("functions/target");
            }
        }
        if (target == null) {
            say("functions/target/*.zip not found (build with mvn -pl functions package)");
            say("");
            return;
        }
        say("| Package | Used by | MB | ≤ 15 MB |");
        say("|---|---|---|---|");
        for (String[] p : new String[][] {{"pod-identity-broker.zip", "AssumeRoleForPodIdentity (hot path)"},
                {"pod-identity-functions.zip", "the admin functions"}}) {
            double mb = Files.size(target.resolve(p[0])) / 1024.0 / 1024.0;
            results.put(p[0], round(mb));
            say(String.format(Locale.ROOT, "| %s | %s | %.2f | %s |", p[0], p[1], mb, mb <= 15 ? "yes" : "no"));
        }
        say("");
    }

    // ------------------------------------------------------------ cold starts

    private void coldStarts(LocalStack stack, Fixture fixture) throws Exception {
        say("## Fresh-JVM first response (local invoke, median of " + config.coldRuns() + ")");
        say("");
        say("A new JVM per run: handler built with its no-arg constructor, event bytes handed to the stream handler,"
                + " one real request against the local stack, process exit. JVM flags as the stack sets them"
                + " (`-XX:TieredStopAtLevel=1`).");
        say("");
        double hello = median(config.coldRuns(), i -> helloWorld());
        results.put("helloWorldMs", round(hello));
        say("| Handler | Event | median ms | × hello-world |");
        say("|---|---|---|---|");
        say(String.format(Locale.ROOT, "| hello-world JVM | — | %.0f | 1.0 |", hello));
        Map<String, Object> cold = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : fixture.coldEvents.entrySet()) {
            Route route = Routes.byOperation(e.getKey());
            double ms = median(config.coldRuns(), i -> invokeOnce(route, e.getValue(), stack.functionEnvironment(route)));
            cold.put(e.getKey(), round(ms));
            say(String.format(Locale.ROOT, "| %s | %s | %.0f | %.1f |", e.getKey(), e.getValue().getFileName(), ms, ms / hello));
        }
        results.put("freshJvmMs", cold);
        say("");
        say("Target ≤ 1000 ms first response on this machine; the ratio to hello-world is what carries to Lambda,"
                + " where SnapStart restores a primed snapshot instead.");
        say("");
    }

    private interface Timed {
        long nanos(int run) throws Exception;
    }

    private static double median(int runs, Timed timed) throws Exception {
        long[] samples = new long[runs];
        for (int i = 0; i < runs; i++) {
            samples[i] = timed.nanos(i);
        }
        return Stats.of(samples, runs).medianMs();
    }

    private static long helloWorld() throws Exception {
        Path dir = HelloWorld.compiled();
        long start = System.nanoTime();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-cp", dir.toString(), "Hello")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        return System.nanoTime() - start;
    }

    private static long invokeOnce(Route route, Path event, Map<String, String> env) throws Exception {
        long start = System.nanoTime();
        Process p = Invoke.start(route, event, env);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        long elapsed = System.nanoTime() - start;
        if (exit != 0 || !out.contains("\"statusCode\"")) {
            throw new IllegalStateException(route.operation() + " invoke failed: " + out);
        }
        return elapsed;
    }

    /** A hello-world program, compiled once, as the JVM baseline. */
    private static final class HelloWorld {
        private static Path dir;

        static synchronized Path compiled() throws IOException {
            if (dir == null) {
                dir = Files.createTempDirectory("hello");
                Path source = dir.resolve("Hello.java");
                Files.writeString(source, "public class Hello { public static void main(String[] a) { System.out.println(\"hello\"); } }");
                if (ToolProvider.getSystemJavaCompiler().run(null, null, null, source.toString()) != 0) {
                    throw new IOException("cannot compile the hello-world baseline");
                }
            }
            return dir;
        }
    }

    // ------------------------------------------------------------ warm latency

    private void warmLatency(LocalStack stack, Fixture f) throws Exception {
        int n = config.warmRequests();
        say("## Warm latency through the local stack (" + n + " sequential requests per operation)");
        say("");
        say("Client-side, real SDK clients over HTTP: SigV4 verification, the handler, dynalite (+ transactions) and the"
                + " STS stand-in all on this machine.");
        say("");
        say("| Operation | p50 ms | p99 ms | p99.9 ms |");
        say("|---|---|---|---|");
        Map<String, Object> warm = new LinkedHashMap<>();
        try (EksClient eks = stack.eksClient(stack.adminCredentials())) {
            String cluster = f.cluster;
            List<String> created = new ArrayList<>();
            warm.put("CreatePodIdentityAssociation", row("CreatePodIdentityAssociation", n, i -> created.add(
                    eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("bench")
                            .serviceAccount("sa-" + i).roleArn(f.roleArn)).association().associationId())));
            warm.put("DescribePodIdentityAssociation", row("DescribePodIdentityAssociation", n, i ->
                    eks.describePodIdentityAssociation(r -> r.clusterName(cluster).associationId(created.get(i % created.size())))));
            warm.put("ListPodIdentityAssociations", row("ListPodIdentityAssociations", n, i ->
                    eks.listPodIdentityAssociations(r -> r.clusterName(cluster).namespace("bench").maxResults(20))));
            warm.put("UpdatePodIdentityAssociation", row("UpdatePodIdentityAssociation", n, i ->
                    eks.updatePodIdentityAssociation(r -> r.clusterName(cluster).associationId(created.get(i % created.size()))
                            .disableSessionTags(i % 2 == 0))));
            warm.put("DescribeCluster", row("DescribeCluster", n, i -> eks.describeCluster(r -> r.name(cluster))));
            warm.put("DeletePodIdentityAssociation", row("DeletePodIdentityAssociation", n, i ->
                    eks.deletePodIdentityAssociation(r -> r.clusterName(cluster).associationId(created.get(i)))));
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int auth = Math.max(n, 1000);
        warm.put("AssumeRoleForPodIdentity", row("AssumeRoleForPodIdentity", auth, i -> f.assume(http)));
        warm.put("AdmitPod", row("AdmitPod", auth, i -> f.admit(http)));
        results.put("warmMs", warm);
        say("");
    }

    /** AdmitPod alone (what {@code --only webhook} measures), beside AssumeRoleForPodIdentity on the same stack. */
    private void webhookLatency(Fixture f) {
        int n = Math.max(config.warmRequests(), 1000);
        say("## Warm latency of the webhook through the local stack (" + n + " sequential requests)");
        say("");
        say("| Operation | p50 ms | p99 ms | p99.9 ms |");
        say("|---|---|---|---|");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Map<String, Object> warm = new LinkedHashMap<>();
        warm.put("AdmitPod", row("AdmitPod", n, i -> f.admit(http)));
        warm.put("AssumeRoleForPodIdentity", row("AssumeRoleForPodIdentity", n, i -> f.assume(http)));
        results.put("webhookWarmMs", warm);
        say("");
        say("AdmitPod answers allowed without a patch (data store over its 0.9 s bound): " + f.degradedAdmissions.get());
        say("");
    }

    private Map<String, Double> row(String operation, int n, IntConsumer call) {
        int warmup = Math.min(100, n);
        for (int i = 0; i < warmup && !operation.startsWith("Create") && !operation.startsWith("Delete"); i++) {
            call.accept(i);
        }
        Stats s = sample(n, call);
        say(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f |", operation, s.percentileMs(50), s.percentileMs(99),
                s.percentileMs(99.9)));
        return Map.of("p50", round(s.percentileMs(50)), "p99", round(s.percentileMs(99)), "p999", round(s.percentileMs(99.9)));
    }

    // -------------------------------------------------------------- throughput

    private void throughput(LocalStack stack, Fixture f) throws Exception {
        say("## AssumeRoleForPodIdentity throughput (local stack, stand-ins included)");
        say("");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long warmUntil = System.nanoTime() + Math.min(config.throughputTime().toNanos(), Duration.ofSeconds(3).toNanos());
        while (System.nanoTime() < warmUntil) {
            f.assume(http);
        }
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long deadline = System.nanoTime() + config.throughputTime().toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(config.threads());
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < config.threads(); t++) {
            workers.add(pool.submit(() -> {
                while (System.nanoTime() < deadline) {
                    try {
                        f.assume(http);
                        ok.incrementAndGet();
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                }
            }));
        }
        for (Future<?> w : workers) {
            w.get();
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = ok.get() / seconds;
        results.put("assumeRolePerSecond", round(rate));
        results.put("assumeRoleThroughputRequests", Map.of("ok", ok.get(), "failed", failed.get()));
        say(String.format(Locale.ROOT, "%d clients for %.1f s: **%.0f requests/s** (%d ok, %d failed; target ≥ 1000/s: %s)",
                config.threads(), seconds, rate, ok.get(), failed.get(), rate >= 1000 ? "met" : "missed"));
        say("");
    }

    // --------------------------------------------------------------- self time

    private void selfTime() throws Exception {
        int n = config.selfIterations();
        say("## Handler self-time (in process, no DynamoDB or STS round trips; " + n + " requests after warm-up)");
        say("");
        say("The real handler entry point (event bytes in, response bytes out, Powertools logging context),"
                + " service, validation, JWT verification and JSON, over an in-memory store and a fixed STS answer:"
                + " what the function itself costs per request.");
        say("");
        LocalCluster cluster = LocalCluster.load("self", null);
        // no quota: the measured creates add more associations to one cluster than EKS allows
        InMemoryStore store = new InMemoryStore(Clock.systemUTC(), Integer.MAX_VALUE);
        Clock clock = Clock.systemUTC();
        ServiceIdentity identity = new ServiceIdentity("aws", "us-east-1", "000000000000");
        PageTokens tokens = new PageTokens("bench".getBytes(StandardCharsets.UTF_8));
        String webhookKey = new ClusterService(store, identity, tokens, clock).register("self", LocalCluster.ISSUER,
                cluster.jwks(), Map.of(), null, false).webhookKey();
        AssociationService associations = new AssociationService(store, (role, tag, caller) -> { }, identity, tokens, clock);
        associations.create(new dev.podidentity.service.CreateAssociationRequest("self", "ns", "sa",
                "arn:aws:iam::000000000000:role/app", null, null, null, null, null), "arn:aws:iam::000000000000:user/admin");
        IssuedCredentials fixed = new IssuedCredentials("ASIAEXAMPLE", "secret", "token", Instant.now().plusSeconds(3600),
                "arn:aws:sts::000000000000:assumed-role/app/eks-self-pod-x", "AROAEXAMPLE:eks-self-pod-x");
        var assume = new AssumeRoleForPodIdentityHandler(new CredentialService(store, (b, p, arn) -> fixed, clock), "Bench");
        var create = new CreatePodIdentityAssociationHandler(associations);
        var admit = new AdmitPodHandler(new AdmissionService(store, clock), "Bench");
        String token = cluster.mint("ns", "sa", "pod-1", "uid-1", Duration.ofHours(1));

        Map<String, Object> self = new LinkedHashMap<>();
        say("| Handler | p50 ms | p99 ms |");
        say("|---|---|---|");
        byte[] assumeEvent = JSON.writeValueAsBytes(event("self", "{\"token\":\"" + token + "\"}"));
        self.put("AssumeRoleForPodIdentity", selfRow("AssumeRoleForPodIdentity", n, i -> invoke(assume, assumeEvent)));
        self.put("CreatePodIdentityAssociation", selfRow("CreatePodIdentityAssociation", n, i -> invoke(create,
                bytes(event("self", "{\"namespace\":\"bench\",\"serviceAccount\":\"sa-" + i
                        + "\",\"roleArn\":\"arn:aws:iam::000000000000:role/app\",\"tags\":{\"team\":\"a\"}}")))));
        ObjectNode admitEvent = (ObjectNode) event("self", review("ns", "sa"));
        ((ObjectNode) admitEvent.path("pathParameters")).put("webhookKey", webhookKey);
        byte[] admitBytes = bytes(admitEvent);
        self.put("AdmitPod", selfRow("AdmitPod (patched pod)", n, i -> invoke(admit, admitBytes)));
        results.put("selfTimeMs", self);
        say("");
        say("Target: AssumeRoleForPodIdentity and AdmitPod self-time p99 ≤ 1 ms.");
    }

    private Map<String, Double> selfRow(String name, int n, IntConsumer call) {
        for (int i = 0; i < Math.max(n / 2, 200); i++) {
            call.accept(-1 - i);
        }
        Stats s = sample(n, call);
        say(String.format(Locale.ROOT, "| %s | %.3f | %.3f |", name, s.percentileMs(50), s.percentileMs(99)));
        return Map.of("p50", round(s.percentileMs(50)), "p99", round(s.percentileMs(99)));
    }

    /** One invocation as the Lambda runtime makes it: event bytes in, response bytes out, with a context. */
    private static void invoke(com.amazonaws.services.lambda.runtime.RequestStreamHandler handler, byte[] event) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(1024);
        try {
            handler.handleRequest(new java.io.ByteArrayInputStream(event), out, CONTEXT);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String response = out.toString(StandardCharsets.UTF_8);
        if (!response.startsWith("{\"statusCode\":200")) {
            throw new IllegalStateException(response);
        }
    }

    private static final dev.podidentity.local.gateway.LocalContext CONTEXT =
            dev.podidentity.local.gateway.LocalContext.of("bench", "bench");

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Times {@code n} sequential calls. */
    private static Stats sample(int n, IntConsumer call) {
        long[] samples = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            call.accept(i);
            samples[i] = System.nanoTime() - start;
        }
        return Stats.of(samples, n);
    }

    private static JsonNode event(String cluster, String body) {
        ObjectNode event = JSON.createObjectNode().put("httpMethod", "POST").put("body", body);
        event.putObject("pathParameters").put("name", cluster);
        event.putObject("requestContext").putObject("identity").put("userArn", "arn:aws:iam::000000000000:user/admin");
        return event;
    }

    /** An AdmissionReview for a CREATE of a two-container pod of this service account, as the API server sends it. */
    static String review(String namespace, String serviceAccount) {
        ObjectNode review = JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request").put("uid", "705ab4f5-6393-11e8-b7cc-42010a800002");
        request.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
        request.putObject("resource").put("group", "").put("version", "v1").put("resource", "pods");
        request.put("namespace", namespace).put("operation", "CREATE");
        ObjectNode spec = request.putObject("object").put("apiVersion", "v1").put("kind", "Pod").putObject("spec")
                .put("serviceAccountName", serviceAccount);
        spec.putArray("containers").add(JSON.createObjectNode().put("name", "app").put("image", "app:1")
                .set("env", JSON.createArrayNode().add(JSON.createObjectNode().put("name", "LOG_LEVEL").put("value", "info"))))
                .add(JSON.createObjectNode().put("name", "proxy").put("image", "proxy:1"));
        spec.putArray("volumes").addObject().put("name", "data").putObject("emptyDir");
        return review.toString();
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    // ----------------------------------------------------------------- fixture

    /** What the measurements need on the local stack: a role, associations, tokens, event files. */
    private static final class Fixture {
        final String cluster;
        final String roleArn;
        final String token;
        final String apiUrl;
        final String webhookUrl;
        final AtomicLong degradedAdmissions = new AtomicLong();
        final Map<String, Path> coldEvents = new LinkedHashMap<>();

        Fixture(LocalStack stack) throws IOException {
            cluster = stack.localCluster().name();
            apiUrl = stack.apiUrl();
            String trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\""
                    + stack.brokerRoleArn() + "\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"]}]}";
            try (IamClient iam = stack.iamClient()) {
                roleArn = iam.createRole(r -> r.roleName("bench-app").assumeRolePolicyDocument(trust)).role().arn();
                iam.createRole(r -> r.roleName("demo-app").assumeRolePolicyDocument(trust));
            }
            try (EksClient eks = stack.eksClient(stack.adminCredentials())) {
                eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace("bench").serviceAccount("pod")
                        .roleArn(roleArn));
            }
            token = stack.localCluster().mint("bench", "pod", "bench-pod-1", "uid-1", Duration.ofHours(1));
            var adminFunctions = dev.podidentity.config.Composition.from(
                    stack.functionEnvironment(Routes.byOperation("RegisterCluster")));
            String key = adminFunctions.clusters().register(cluster, LocalCluster.ISSUER, stack.localCluster().jwks(),
                    Map.of(), null, true).webhookKey();
            webhookUrl = apiUrl + "/clusters/" + cluster + "/admission/" + key;
            Path events = eventsDir();
            JsonNode register = JSON.readTree(Files.readString(events.resolve("register-cluster.json")));
            JsonNode body = JSON.readTree(register.path("body").asText());
            var adminEnv = stack.functionEnvironment(Routes.byOperation("RegisterCluster"));
            dev.podidentity.config.Composition.from(adminEnv).clusters().register("demo",
                    body.path("issuer").asText(), JSON.writeValueAsString(body.path("jwks")), Map.of());
            coldEvents.put("DescribeCluster", events.resolve("describe-cluster.json"));
            coldEvents.put("ListPodIdentityAssociations", events.resolve("list-associations.json"));
            coldEvents.put("CreatePodIdentityAssociation", events.resolve("create-association.json"));
            ObjectNode assume = (ObjectNode) JSON.readTree(Files.readString(events.resolve(
                    "assume-role-for-pod-identity-invalid-token.json")));
            assume.put("path", "/clusters/" + cluster + "/assume-role-for-pod-identity");
            ((ObjectNode) assume.path("pathParameters")).put("name", cluster);
            assume.put("body", JSON.writeValueAsString(JSON.createObjectNode().put("token", token)));
            Path assumeEvent = Files.createTempFile("assume-role-event", ".json");
            Files.writeString(assumeEvent, JSON.writeValueAsString(assume));
            coldEvents.put("AssumeRoleForPodIdentity", assumeEvent);
        }

        void assume(HttpClient http) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(apiUrl + "/clusters/" + cluster
                            + "/assume-role-for-pod-identity"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + token + "\"}"))
                    .build();
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("AssumeRoleForPodIdentity answered " + r.statusCode() + ": " + r.body());
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** One webhook call for a pod of the associated service account; must answer a patch. */
        void admit(HttpClient http) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(webhookUrl)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(review("bench", "pod"))).build();
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200 || !r.body().contains("\"patch\"") && !r.body().contains("lookup failed")) {
                    throw new IllegalStateException("AdmitPod answered " + r.statusCode() + ": " + r.body());
                }
                if (!r.body().contains("\"patch\"")) {
                    // allowed without a patch: the data store did not answer within 0.9 s (counted, reported)
                    degradedAdmissions.incrementAndGet();
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        static Path eventsDir() throws IOException {
            for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
                if (Files.isRegularFile(dir.resolve("events/describe-cluster.json"))) {
                    return dir.resolve("events");
                }
            }
            throw new IOException("events/ not found: run from the project");
        }
    }
}
