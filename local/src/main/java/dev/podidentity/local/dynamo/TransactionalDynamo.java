package dev.podidentity.local.dynamo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.podidentity.local.Http;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * DynamoDB for the local stack: dynalite behind a proxy that adds what dynalite lacks — TransactWriteItems,
 * TransactGetItems, UpdateTimeToLive and DescribeTimeToLive. Transactions run alone (a write lock against every
 * other request), apply each action with its own condition, and on any failed condition roll back what they applied
 * and answer TransactionCanceledException with one CancellationReason per action, as DynamoDB does: ConditionalCheckFailed,
 * or ValidationError when an item's data defeats an otherwise valid action; a malformed action refuses the whole request.
 * Faults (throttling, 5xx, hangs) can be injected for failure tests.
 */
public final class TransactionalDynamo implements AutoCloseable {
    /**
     * Injected failures: throttling (400 ThrottlingException), a 500, a hang, or a failure in the middle of a
     * transaction after its first action was applied (which must be rolled back).
     */
    public enum Fault { NONE, THROTTLE, FAIL, HANG, FAIL_MID_TRANSACTION }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "DynamoDB_20120810.";
    private static final String ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#";

    private final Dynalite dynalite;
    private final ReadWriteLock lock = new ReentrantReadWriteLock(true);
    private final Map<String, List<String>> keySchemas = new ConcurrentHashMap<>();
    private final Map<String, String> ttl = new ConcurrentHashMap<>();
    private final Path ttlFile;
    private volatile Fault fault = Fault.NONE;
    private volatile Set<String> faultOperations = Set.of();
    private final java.util.concurrent.atomic.AtomicInteger faultsLeft = new java.util.concurrent.atomic.AtomicInteger();
    /** Guards {@link #faultedInFlight}; notified when it drops. */
    private final Object faultedLock = new Object();
    /** Requests with an injected fault not answered yet. */
    private int faultedInFlight;
    private volatile Duration hang = Duration.ofSeconds(10);
    private final Map<String, Map<String, AtomicInteger>> counted = new ConcurrentHashMap<>();
    private HttpServer server;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI dynaliteUri;

    private TransactionalDynamo(Dynalite dynalite, Path dataDir) throws IOException {
        this.dynalite = dynalite;
        this.dynaliteUri = URI.create(dynalite.endpoint() + "/");
        this.ttlFile = dataDir == null ? null : dataDir.resolve("ttl.json");
        if (ttlFile != null && Files.exists(ttlFile)) {
            JSON.readTree(ttlFile.toFile()).properties().forEach(e -> ttl.put(e.getKey(), e.getValue().asText()));
        }
    }

    /** Starts dynalite and the proxy; {@code dataDir} null keeps the data in memory. */
    public static TransactionalDynamo start(Path dataDir, int port) throws IOException {
        Dynalite dynalite = Dynalite.start(dataDir == null ? null : dataDir.resolve("dynamodb"));
        TransactionalDynamo proxy = new TransactionalDynamo(dynalite, dataDir);
        proxy.server = Http.serve(port, proxy::handle);
        return proxy;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Makes the named operations (all when empty) fail as {@code fault} until reset with {@link Fault#NONE}. */
    public void setFault(Fault fault, Set<String> operations) {
        setFault(fault, operations, Integer.MAX_VALUE);
    }

    /** The same, for the next {@code times} matching requests only. */
    public void setFault(Fault fault, Set<String> operations, int times) {
        this.faultOperations = Set.copyOf(operations);
        this.faultsLeft.set(times);
        this.fault = fault;
    }

    public void setHangDuration(Duration duration) {
        hang = duration;
    }

    /**
     * Waits until every request a fault was injected into has been answered (e.g. a hung transaction that its client
     * gave up on); false when some is still running at the deadline.
     */
    public boolean awaitFaultedRequests(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (faultedLock) {
            while (faultedInFlight > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                faultedLock.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
        dynalite.close();
    }

    /**
     * Counts from now on the requests whose body contains {@code marker} (e.g. a test's unique cluster name), by
     * operation: how tests prove that a path makes no table call, or exactly one.
     */
    public void countRequestsMentioning(String marker) {
        counted.putIfAbsent(marker, new ConcurrentHashMap<>());
    }

    /** The requests counted for {@code marker} since {@link #countRequestsMentioning}, by operation. */
    public Map<String, Integer> requestsMentioning(String marker) {
        Map<String, AtomicInteger> byOperation = counted.getOrDefault(marker, Map.of());
        Map<String, Integer> out = new TreeMap<>();
        byOperation.forEach((operation, n) -> out.put(operation, n.get()));
        return out;
    }

    private void count(String operation, byte[] body) {
        if (counted.isEmpty()) {
            return;
        }
        String text = new String(body, StandardCharsets.UTF_8);
        counted.forEach((marker, byOperation) -> {
            if (text.contains(marker)) {
                byOperation.computeIfAbsent(operation, o -> new AtomicInteger()).incrementAndGet();
            }
        });
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = Http.readBody(exchange, 16 << 20);
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        String operation = target != null && target.startsWith(PREFIX) ? target.substring(PREFIX.length()) : "";
        count(operation, body);
        Fault f = fault;
        boolean inject = f != Fault.NONE && (faultOperations.isEmpty() || faultOperations.contains(operation))
                && faultsLeft.getAndDecrement() > 0;
        if (!inject) {
            answer(exchange, operation, body, f, false);
            return;
        }
        synchronized (faultedLock) {
            faultedInFlight++;
        }
        try {
            answer(exchange, operation, body, f, true);
        } finally {
            synchronized (faultedLock) {
                faultedInFlight--;
                faultedLock.notifyAll();
            }
        }
    }

    private void answer(HttpExchange exchange, String operation, byte[] body, Fault f, boolean inject) throws IOException {
        if (inject && f == Fault.FAIL_MID_TRANSACTION && operation.equals("TransactWriteItems")) {
            Answer answer = exclusively(() -> transactWriteFailingMidway(parse(body)));
            send(exchange, answer.status, answer.body);
            return;
        }
        if (inject) {
            switch (f) {
                case THROTTLE -> {
                    send(exchange, 400, error("ThrottlingException", "Rate of requests exceeds the allowed throughput."));
                    return;
                }
                case FAIL -> {
                    send(exchange, 500, error("InternalServerError", "Internal server error"));
                    return;
                }
                case HANG -> sleep(hang);
                default -> { }
            }
        }
        Answer answer;
        switch (operation) {
            case "TransactWriteItems" -> answer = exclusively(() -> transactWrite(parse(body)));
            case "TransactGetItems" -> answer = exclusively(() -> transactGet(parse(body)));
            case "UpdateTimeToLive" -> answer = updateTimeToLive(parse(body));
            case "DescribeTimeToLive" -> answer = describeTimeToLive(parse(body));
            default -> {
                lock.readLock().lock();
                try {
                    answer = forward(operation, body, exchange.getRequestHeaders().getFirst("Authorization"),
                            exchange.getRequestHeaders().getFirst("X-Amz-Date"));
                } finally {
                    lock.readLock().unlock();
                }
            }
        }
        send(exchange, answer.status, answer.body);
    }

    private record Answer(int status, byte[] body) {
        boolean ok() {
            return status == 200;
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                return JSON.createObjectNode();
            }
        }

        String errorType() {
            String type = json().path("__type").asText("");
            return type.substring(type.indexOf('#') + 1);
        }
    }

    private interface Work {
        Answer run() throws IOException;
    }

    private Answer exclusively(Work work) throws IOException {
        lock.writeLock().lock();
        try {
            return work.run();
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ---------------------------------------------------------- transactions

    private Answer transactWrite(JsonNode request) throws IOException {
        JsonNode items = request.path("TransactItems");
        if (!items.isArray() || items.isEmpty() || items.size() > 100) {
            return validation("1 validation error detected: Value at 'transactItems' failed to satisfy constraint:"
                    + " Member must have length less than or equal to 100 and greater than or equal to 1");
        }
        List<Action> actions = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode item : items) {
            Action action = Action.of(item);
            if (action == null) {
                return validation("TransactItems can only contain one of Check, Put, Update or Delete");
            }
            action.key = action.kind.equals("Put") ? keyOf(action.table, action.spec.path("Item")) : action.spec.path("Key");
            if (action.key == null || action.key.isEmpty()) {
                return validation("The provided key element does not match the schema");
            }
            if (!seen.add(action.table + "|" + action.key)) {
                return validation("Transaction request cannot include multiple operations on one item");
            }
            actions.add(action);
        }
        for (Action action : actions) {
            Answer refused = dryRun(action);
            if (refused != null) {
                return refused;
            }
        }
        for (Action action : actions) {
            Answer got = call("GetItem", JSON.createObjectNode().put("TableName", action.table).put("ConsistentRead", true)
                    .set("Key", action.key));
            if (!got.ok()) {
                return got;
            }
            JsonNode item = got.json().get("Item");
            action.before = item == null || item.isEmpty() ? null : item;
        }
        List<Action> applied = new ArrayList<>();
        ArrayNode reasons = JSON.createArrayNode();
        boolean cancelled = false;
        for (Action action : actions) {
            Answer result = apply(action);
            ObjectNode reason = reasons.addObject();
            if (result.ok()) {
                applied.add(action);
                reason.put("Code", "None");
            } else if ("ValidationException".equals(result.errorType())) {
                // the request passed the dry run, so this failure comes from the item's data (e.g. arithmetic on a
                // map, a missing operand): DynamoDB cancels the transaction with a ValidationError reason for it
                cancelled = true;
                reason.put("Code", "ValidationError").put("Message", result.json().path("message").asText());
            } else if ("ConditionalCheckFailedException".equals(result.errorType())) {
                cancelled = true;
                reason.put("Code", "ConditionalCheckFailed").put("Message", "The conditional request failed");
                if ("ALL_OLD".equals(action.spec.path("ReturnValuesOnConditionCheckFailure").asText())
                        && action.before != null) {
                    reason.set("Item", action.before);
                }
            } else {
                rollback(applied);
                return result;
            }
        }
        if (cancelled) {
            rollback(applied);
            List<String> codes = new ArrayList<>();
            reasons.forEach(r -> codes.add(r.path("Code").asText()));
            ObjectNode error = JSON.createObjectNode()
                    .put("__type", ERROR_PREFIX + "TransactionCanceledException")
                    .put("message", "Transaction cancelled, please refer cancellation reasons for specific reasons "
                            + codes.toString().replace(" ", " "));
            error.set("CancellationReasons", reasons);
            return new Answer(400, JSON.writeValueAsBytes(error));
        }
        return new Answer(200, "{}".getBytes(StandardCharsets.UTF_8));
    }

    private static final String DRY_RUN_KEY = "#shimDryRunKey";

    /**
     * Lets dynalite validate an action without effect: the same request with a condition that cannot hold. A
     * ValidationException here is the request's own (syntax, unused or missing placeholders), which DynamoDB answers
     * for the whole transaction; anything the data causes later becomes a ValidationError cancellation reason.
     * Answers null when the action is valid.
     */
    private Answer dryRun(Action action) throws IOException {
        String keyName = action.key.fieldNames().next();
        ObjectNode req = JSON.createObjectNode().put("TableName", action.table);
        ObjectNode names = req.putObject("ExpressionAttributeNames");
        if (action.spec.has("ExpressionAttributeNames")) {
            names.setAll((ObjectNode) action.spec.get("ExpressionAttributeNames"));
        }
        names.put(DRY_RUN_KEY, keyName);
        copy(action.spec, req, "ExpressionAttributeValues");
        String never = "attribute_exists(" + DRY_RUN_KEY + ") AND attribute_not_exists(" + DRY_RUN_KEY + ")";
        String condition = action.spec.path("ConditionExpression").asText("");
        req.put("ConditionExpression", condition.isBlank() ? never : never + " AND (" + condition + ")");
        String operation;
        switch (action.kind) {
            case "Put" -> {
                req.set("Item", action.spec.get("Item"));
                operation = "PutItem";
            }
            case "Update" -> {
                req.set("Key", action.key);
                copy(action.spec, req, "UpdateExpression");
                operation = "UpdateItem";
            }
            default -> {
                req.set("Key", action.key);
                operation = "DeleteItem";
            }
        }
        Answer answer = call(operation, req);
        if (answer.ok()) {
            throw new IOException("dry run of a transaction action was applied: " + operation + " on " + action.key);
        }
        return "ConditionalCheckFailedException".equals(answer.errorType()) ? null : answer;
    }

    /** Applies the first action of a transaction, then fails like a crashed coordinator: rolls back, answers 500. */
    private Answer transactWriteFailingMidway(JsonNode request) throws IOException {
        List<Action> actions = new ArrayList<>();
        for (JsonNode item : request.path("TransactItems")) {
            Action action = Action.of(item);
            action.key = action.kind.equals("Put") ? keyOf(action.table, action.spec.path("Item")) : action.spec.path("Key");
            Answer got = call("GetItem", JSON.createObjectNode().put("TableName", action.table).put("ConsistentRead", true)
                    .set("Key", action.key));
            JsonNode before = got.json().get("Item");
            action.before = before == null || before.isEmpty() ? null : before;
            actions.add(action);
        }
        if (!actions.isEmpty() && apply(actions.get(0)).ok()) {
            rollback(List.of(actions.get(0)));
        }
        return new Answer(500, JSON.writeValueAsBytes(error("InternalServerError", "Internal server error")));
    }

    private Answer apply(Action a) throws IOException {
        ObjectNode req = JSON.createObjectNode().put("TableName", a.table);
        copy(a.spec, req, "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues");
        switch (a.kind) {
            case "Put" -> {
                req.set("Item", a.spec.get("Item"));
                return call("PutItem", req);
            }
            case "Update" -> {
                req.set("Key", a.key);
                copy(a.spec, req, "UpdateExpression");
                return call("UpdateItem", req);
            }
            case "Delete" -> {
                req.set("Key", a.key);
                return call("DeleteItem", req);
            }
            default -> {
                // ConditionCheck: a conditional delete tells whether the condition holds; the item is restored below
                req.set("Key", a.key);
                Answer answer = call("DeleteItem", req);
                if (answer.ok() && a.before != null) {
                    call("PutItem", JSON.createObjectNode().put("TableName", a.table).set("Item", a.before));
                }
                return answer.ok() ? new Answer(200, "{}".getBytes(StandardCharsets.UTF_8)) : answer;
            }
        }
    }

    private void rollback(List<Action> applied) throws IOException {
        for (int i = applied.size() - 1; i >= 0; i--) {
            Action a = applied.get(i);
            if (a.kind.equals("ConditionCheck")) {
                continue;
            }
            Answer restored = a.before == null
                    ? call("DeleteItem", JSON.createObjectNode().put("TableName", a.table).set("Key", a.key))
                    : call("PutItem", JSON.createObjectNode().put("TableName", a.table).set("Item", a.before));
            if (!restored.ok()) {
                throw new IOException("rollback failed: " + new String(restored.body, StandardCharsets.UTF_8));
            }
        }
    }

    private Answer transactGet(JsonNode request) throws IOException {
        ArrayNode responses = JSON.createArrayNode();
        for (JsonNode item : request.path("TransactItems")) {
            JsonNode get = item.path("Get");
            ObjectNode req = JSON.createObjectNode().put("TableName", get.path("TableName").asText()).put("ConsistentRead", true);
            req.set("Key", get.path("Key"));
            copy(get, req, "ProjectionExpression", "ExpressionAttributeNames");
            Answer got = call("GetItem", req);
            if (!got.ok()) {
                return got;
            }
            ObjectNode response = responses.addObject();
            JsonNode found = got.json().get("Item");
            if (found != null && !found.isEmpty()) {
                response.set("Item", found);
            }
        }
        ObjectNode out = JSON.createObjectNode();
        out.set("Responses", responses);
        return new Answer(200, JSON.writeValueAsBytes(out));
    }

    private static final class Action {
        final String kind;
        final JsonNode spec;
        final String table;
        JsonNode key;
        JsonNode before;

        private Action(String kind, JsonNode spec) {
            this.kind = kind;
            this.spec = spec;
            this.table = spec.path("TableName").asText();
        }

        static Action of(JsonNode item) {
            List<String> kinds = new ArrayList<>();
            item.fieldNames().forEachRemaining(kinds::add);
            if (kinds.size() != 1) {
                return null;
            }
            String kind = kinds.get(0);
            return switch (kind) {
                case "Put", "Update", "Delete", "ConditionCheck" -> new Action(kind, item.get(kind));
                default -> null;
            };
        }
    }

    private JsonNode keyOf(String table, JsonNode item) throws IOException {
        List<String> names = keySchemas.get(table);
        if (names == null) {
            Answer described = call("DescribeTable", JSON.createObjectNode().put("TableName", table));
            if (!described.ok()) {
                return null;
            }
            names = new ArrayList<>();
            for (JsonNode k : described.json().path("Table").path("KeySchema")) {
                names.add(k.path("AttributeName").asText());
            }
            keySchemas.put(table, names);
        }
        ObjectNode key = JSON.createObjectNode();
        for (String name : names) {
            if (!item.has(name)) {
                return null;
            }
            key.set(name, item.get(name));
        }
        return key;
    }

    // ------------------------------------------------------------------- TTL

    private Answer updateTimeToLive(JsonNode request) throws IOException {
        String table = request.path("TableName").asText();
        JsonNode spec = request.path("TimeToLiveSpecification");
        if (spec.path("Enabled").asBoolean(false)) {
            ttl.put(table, spec.path("AttributeName").asText());
        } else {
            ttl.remove(table);
        }
        if (ttlFile != null) {
            JSON.writeValue(ttlFile.toFile(), ttl);
        }
        ObjectNode out = JSON.createObjectNode();
        out.set("TimeToLiveSpecification", spec);
        return new Answer(200, JSON.writeValueAsBytes(out));
    }

    private Answer describeTimeToLive(JsonNode request) throws IOException {
        String attribute = ttl.get(request.path("TableName").asText());
        ObjectNode description = JSON.createObjectNode().put("TimeToLiveStatus", attribute == null ? "DISABLED" : "ENABLED");
        if (attribute != null) {
            description.put("AttributeName", attribute);
        }
        ObjectNode out = JSON.createObjectNode();
        out.set("TimeToLiveDescription", description);
        return new Answer(200, JSON.writeValueAsBytes(out));
    }

    // --------------------------------------------------------------- plumbing

    private Answer call(String operation, JsonNode body) throws IOException {
        return forward(operation, JSON.writeValueAsBytes(body), null, null);
    }

    private Answer forward(String operation, byte[] body, String authorization, String amzDate) throws IOException {
        String date = amzDate != null ? amzDate
                : DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(ZonedDateTime.now(ZoneOffset.UTC));
        String auth = authorization != null ? authorization
                : "AWS4-HMAC-SHA256 Credential=local/" + date.substring(0, 8)
                + "/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0";
        // the JDK HttpClient writes a request in one go; HttpURLConnection's streaming mode sends headers and body
        // apart, which Nagle's algorithm and delayed ACKs turn into a 40 ms stall per call
        HttpRequest request = HttpRequest.newBuilder(dynaliteUri)
                .header("Content-Type", "application/x-amz-json-1.0")
                .header("X-Amz-Target", PREFIX + operation)
                .header("X-Amz-Date", date)
                .header("Authorization", auth)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(response.statusCode(), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        Http.send(exchange, status, Map.of("Content-Type", "application/x-amz-json-1.0",
                "x-amzn-RequestId", java.util.UUID.randomUUID().toString()), body);
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        send(exchange, status, JSON.writeValueAsBytes(body));
    }

    private static JsonNode error(String type, String message) {
        return JSON.createObjectNode().put("__type", ERROR_PREFIX + type).put("message", message);
    }

    private static Answer validation(String message) throws IOException {
        return new Answer(400, JSON.writeValueAsBytes(JSON.createObjectNode()
                .put("__type", "com.amazon.coral.validate#ValidationException").put("message", message)));
    }

    private static JsonNode parse(byte[] body) throws IOException {
        return body == null || body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
    }

    private static void copy(JsonNode from, ObjectNode to, String... fields) {
        for (String f : fields) {
            if (from.has(f)) {
                to.set(f, from.get(f));
            }
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
