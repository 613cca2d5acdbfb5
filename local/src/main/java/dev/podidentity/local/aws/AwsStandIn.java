package dev.podidentity.local.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.podidentity.local.Http;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A local stand-in for STS and IAM (AWS Query protocol, XML answers) on the JDK HTTP server. It verifies SigV4 on
 * every call, authorizes callers with their IAM policies, and implements what the service needs: STS AssumeRole
 * (trust policy, ExternalId, session tags, durations, role chaining) and GetCallerIdentity; IAM users, roles,
 * inline policies and SimulatePrincipalPolicy. Faults can be injected per service for failure tests. It also answers
 * Secrets Manager's GetSecretValue (JSON 1.1, {@code X-Amz-Target}) for secrets put here, authorized the same way.
 */
public final class AwsStandIn implements AutoCloseable {
    public enum Fault { NONE, THROTTLE, FAIL, HANG }

    /** The two services answered here, by their SigV4 signing name. */
    private enum Service {
        STS("sts", "https://sts.amazonaws.com/doc/2011-06-15/", "2011-06-15"),
        IAM("iam", "https://iam.amazonaws.com/doc/2010-05-08/", "2010-05-08");

        final String signingName;
        final String namespace;
        final String version;

        Service(String signingName, String namespace, String version) {
            this.signingName = signingName;
            this.namespace = namespace;
            this.version = version;
        }

        static Service bySigningName(String name) {
            for (Service s : values()) {
                if (s.signingName.equals(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("not a stand-in service: " + name);
        }
    }

    /** The actions implemented, with the service each belongs to and whether it changes IAM. */
    private enum Action {
        GetCallerIdentity(Service.STS, false), AssumeRole(Service.STS, false),
        CreateRole(Service.IAM, true), GetRole(Service.IAM, false), DeleteRole(Service.IAM, true),
        UpdateAssumeRolePolicy(Service.IAM, true), PutRolePolicy(Service.IAM, true), CreateUser(Service.IAM, true),
        PutUserPolicy(Service.IAM, true), CreateAccessKey(Service.IAM, true), SimulatePrincipalPolicy(Service.IAM, false);

        final Service service;
        final boolean changesIam;

        Action(Service service, boolean changesIam) {
            this.service = service;
            this.changesIam = changesIam;
        }

        static Action of(Service service, String name) {
            for (Action a : values()) {
                if (a.service == service && a.name().equals(name)) {
                    return a;
                }
            }
            throw new QueryError(400, "Sender", "InvalidAction", "Could not find operation " + name + " for version "
                    + service.version);
        }
    }

    /** One AssumeRole call as STS saw it (for tests to read back tags and policies). */
    public record AssumeRoleCall(String callerArn, String roleArn, String sessionName, int durationSeconds,
                                 Map<String, String> tags, List<String> transitiveTagKeys, String externalId,
                                 String policy, String outcome) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");
    private static final Pattern ROLE_NAME = Pattern.compile("[\\w+=,.@-]{1,64}");
    /** The stand-in's model of STS's packed size budget (see {@link #packedPercent}). */
    static final int PACKED_BUDGET = 4096;

    private final IamState iam;
    private final CredentialStore credentials;
    private final SigV4Verifier verifier;
    private final Clock clock;
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final List<AssumeRoleCall> assumeRoleCalls = new CopyOnWriteArrayList<>();
    private volatile Duration hang = Duration.ofSeconds(10);
    private volatile Runnable onIamChange = () -> { };
    /** Secrets Manager secrets by ARN: their SecretString. */
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    /** Successful GetSecretValue calls by secret ARN (for tests: how often a function read its secret). */
    private final Map<String, AtomicInteger> secretReads = new ConcurrentHashMap<>();
    private HttpServer server;

    public AwsStandIn(IamState iam, CredentialStore credentials, Clock clock) {
        this.iam = iam;
        this.credentials = credentials;
        this.clock = clock;
        this.verifier = new SigV4Verifier(credentials, clock);
    }

    public AwsStandIn start(int port) throws IOException {
        server = Http.serve(port, this::handle);
        return this;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Called after every IAM change (the local stack saves IAM to its data directory). */
    public void onIamChange(Runnable listener) {
        this.onIamChange = listener;
    }

    public void setFault(String service, Fault fault) {
        faults.put(service, fault);
    }

    public void setHangDuration(Duration duration) {
        hang = duration;
    }

    /** Creates a Secrets Manager secret (as a stack would) and returns its ARN. */
    public String putSecret(String region, String name, String secretString) {
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 6);
        String arn = "arn:" + iam.partition() + ":secretsmanager:" + region + ":" + iam.accountId() + ":secret:" + name
                + "-" + suffix;
        secrets.put(arn, secretString);
        return arn;
    }

    /** How many times the secret's value was returned. */
    public int secretReads(String arn) {
        var reads = secretReads.get(arn);
        return reads == null ? 0 : reads.get();
    }

    public List<AssumeRoleCall> assumeRoleCalls() {
        return List.copyOf(assumeRoleCalls);
    }

    public void clearAssumeRoleCalls() {
        assumeRoleCalls.clear();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
    }

    // ------------------------------------------------------------------ HTTP

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = Http.readBody(exchange, 1 << 20);
        String requestId = UUID.randomUUID().toString();
        if (body == null) {
            reply(exchange, 413, error(Service.STS, "Sender", "RequestEntityTooLarge", "Request body too large", requestId));
            return;
        }
        Service service = Service.STS;
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (target != null && target.startsWith("secretsmanager.")) {
            secretsManager(exchange, target, body, requestId);
            return;
        }
        try {
            var request = new SigV4Verifier.Request(exchange.getRequestMethod(),
                    exchange.getRequestHeaders().getFirst("Host"), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(), body);
            SigV4Verifier.Verified verified = verifier.verify(request, Set.of("sts", "iam"));
            service = Service.bySigningName(verified.service());
            Map<String, String> params = form(new String(body, StandardCharsets.UTF_8));
            if (exchange.getRequestURI().getRawQuery() != null) {
                params.putAll(form(exchange.getRequestURI().getRawQuery()));
            }
            Fault fault = faults.getOrDefault(service.signingName, Fault.NONE);
            switch (fault) {
                case THROTTLE -> throw new QueryError(400, "Sender", "Throttling", "Rate exceeded");
                case FAIL -> throw new QueryError(503, "Receiver", "ServiceUnavailable", "Service is unavailable");
                case HANG -> sleep(hang);
                case NONE -> { }
            }
            Action action = Action.of(service, params.getOrDefault("Action", ""));
            Principal caller = verified.credentials().principal();
            QueryXml xml = new QueryXml().root(action.name() + "Response", service.namespace).open(action.name() + "Result");
            if (service == Service.STS) {
                sts(action, params, caller, xml);
            } else {
                iam(action, params, caller, xml);
            }
            if (action.changesIam) {
                onIamChange.run();
            }
            xml.close().open("ResponseMetadata").element("RequestId", requestId);
            reply(exchange, 200, xml.finish());
        } catch (SigV4Exception e) {
            reply(exchange, e.status(), error(service, "Sender", e.reason().queryCode, e.getMessage(), requestId));
        } catch (QueryError e) {
            reply(exchange, e.status, error(service, e.type, e.code, e.getMessage(), requestId));
        }
    }

    // ------------------------------------------------------- Secrets Manager

    private void secretsManager(HttpExchange exchange, String target, byte[] body, String requestId) throws IOException {
        int status = 200;
        Map<String, Object> answer = new LinkedHashMap<>();
        try {
            var request = new SigV4Verifier.Request(exchange.getRequestMethod(),
                    exchange.getRequestHeaders().getFirst("Host"), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(), body);
            Principal caller = verifier.verify(request, Set.of("secretsmanager")).credentials().principal();
            if (!target.equals("secretsmanager.GetSecretValue")) {
                throw new QueryError(400, "Sender", "UnknownOperationException", "Unknown operation " + target);
            }
            JsonNode id = JSON.readTree(body).path("SecretId");
            if (!id.isTextual()) {
                throw new QueryError(400, "Sender", "InvalidParameterException", "SecretId is required");
            }
            String arn = secrets.containsKey(id.asText()) ? id.asText() : null;
            if (arn == null || identityDecision(caller, "secretsmanager:GetSecretValue", arn, Map.of())
                    != PolicyEvaluator.Decision.ALLOWED) {
                // as Secrets Manager: a caller that may not read a secret learns nothing about whether it exists
                throw arn == null
                        ? new QueryError(400, "Sender", "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
                        : new QueryError(400, "Sender", "AccessDeniedException", "User: " + caller.arn()
                                + " is not authorized to perform: secretsmanager:GetSecretValue on resource: " + id.asText()
                                + " because no identity-based policy allows the secretsmanager:GetSecretValue action");
            }
            answer.put("ARN", arn);
            answer.put("Name", arn.substring(arn.indexOf(":secret:") + 8, arn.length() - 7));
            answer.put("SecretString", secrets.get(arn));
            answer.put("VersionId", UUID.nameUUIDFromBytes(arn.getBytes(StandardCharsets.UTF_8)).toString());
            answer.put("VersionStages", List.of("AWSCURRENT"));
            secretReads.computeIfAbsent(arn, a -> new AtomicInteger()).incrementAndGet();
        } catch (SigV4Exception e) {
            status = e.status();
            answer.put("__type", e.reason().jsonType);
            answer.put("message", e.getMessage());
        } catch (QueryError e) {
            status = e.status;
            answer.put("__type", e.code);
            answer.put("message", e.getMessage());
        } catch (JsonProcessingException e) {
            status = 400;
            answer.put("__type", "SerializationException");
            answer.put("message", "The request body is not JSON");
        }
        Http.send(exchange, status, Map.of("Content-Type", "application/x-amz-json-1.1", "x-amzn-RequestId", requestId),
                JSON.writeValueAsBytes(answer));
    }

    private static void reply(HttpExchange exchange, int status, String xml) throws IOException {
        Http.send(exchange, status, Map.of("Content-Type", "text/xml", "x-amzn-RequestId", UUID.randomUUID().toString()),
                xml.getBytes(StandardCharsets.UTF_8));
    }

    private static String error(Service service, String type, String code, String message, String requestId) {
        return new QueryXml().root("ErrorResponse", service.namespace).open("Error").element("Type", type)
                .element("Code", code).element("Message", message).close().element("RequestId", requestId).finish();
    }

    private static final class QueryError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String type;
        final String code;

        QueryError(int status, String type, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.type = type;
            this.code = code;
        }
    }

    private static QueryError validation(String message) {
        return new QueryError(400, "Sender", "ValidationError", message);
    }

    private static QueryError accessDenied(String message) {
        return new QueryError(403, "Sender", "AccessDenied", message);
    }

    // ------------------------------------------------------------------- STS

    private void sts(Action action, Map<String, String> p, Principal caller, QueryXml out) {
        switch (action) {
            case GetCallerIdentity -> out.element("Arn", caller.arn()).element("UserId", caller.userId())
                    .element("Account", caller.accountId());
            case AssumeRole -> assumeRole(p, caller, out);
            default -> throw new IllegalArgumentException(action + " is not an STS action");
        }
    }

    private void assumeRole(Map<String, String> p, Principal caller, QueryXml out) {
        String roleArn = required(p, "RoleArn");
        String sessionName = required(p, "RoleSessionName");
        String externalId = p.get("ExternalId");
        String policy = p.get("Policy");
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 1; p.containsKey("Tags.member." + i + ".Key"); i++) {
            tags.put(p.get("Tags.member." + i + ".Key"), p.getOrDefault("Tags.member." + i + ".Value", ""));
        }
        List<String> transitive = new ArrayList<>();
        for (int i = 1; p.containsKey("TransitiveTagKeys.member." + i); i++) {
            transitive.add(p.get("TransitiveTagKeys.member." + i));
        }
        int duration = p.containsKey("DurationSeconds") ? parseInt(p.get("DurationSeconds"), "DurationSeconds") : 3600;
        try {
            doAssumeRole(roleArn, sessionName, externalId, policy, tags, transitive, duration, caller, out);
            assumeRoleCalls.add(new AssumeRoleCall(caller.arn(), roleArn, sessionName, duration, tags, transitive,
                    externalId, policy, "OK"));
        } catch (QueryError e) {
            assumeRoleCalls.add(new AssumeRoleCall(caller.arn(), roleArn, sessionName, duration, tags, transitive,
                    externalId, policy, e.code));
            throw e;
        }
    }

    private void doAssumeRole(String roleArn, String sessionName, String externalId, String policy,
                              Map<String, String> tags, List<String> transitive, int duration, Principal caller,
                              QueryXml out) {
        if (!SESSION_NAME.matcher(sessionName).matches()) {
            throw validation("1 validation error detected: Value '" + sessionName + "' at 'roleSessionName' failed to"
                    + " satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and length 2-64");
        }
        if (duration < 900 || duration > 43200) {
            throw validation("1 validation error detected: Value '" + duration + "' at 'durationSeconds' failed to satisfy"
                    + " constraint: Member must have value between 900 and 43200");
        }
        if (tags.size() > 50) {
            throw validation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have"
                    + " length less than or equal to 50");
        }
        for (Map.Entry<String, String> t : tags.entrySet()) {
            if (t.getKey().isEmpty() || t.getKey().length() > 128 || t.getValue().length() > 256) {
                throw validation("Session tag '" + t.getKey() + "' is invalid: keys 1-128 characters, values up to 256");
            }
        }
        if (!tags.keySet().containsAll(transitive)) {
            throw validation("The specified transitive tag key must be included in the requested tags.");
        }
        if (policy != null && policy.length() > 2048) {
            throw new QueryError(400, "Sender", "PackedPolicyTooLarge", "Packed policy consumes more than 100% of allotted size");
        }
        int packed = packedPercent(policy, tags);
        if (packed > 100) {
            throw new QueryError(400, "Sender", "PackedPolicyTooLarge",
                    "Packed policy and tags consume " + packed + "% of allotted size");
        }
        // transitive tags of the caller's session carry over and cannot be overridden
        Map<String, String> sessionTags = new LinkedHashMap<>(tags);
        List<String> sessionTransitive = new ArrayList<>(transitive);
        if (caller.isRoleSession()) {
            for (String key : caller.transitiveTagKeys()) {
                String inherited = caller.sessionTags().get(key);
                if (tags.containsKey(key) && !tags.get(key).equals(inherited)) {
                    throw accessDenied("Cannot override transitive session tag " + key);
                }
                sessionTags.put(key, inherited);
                if (!sessionTransitive.contains(key)) {
                    sessionTransitive.add(key);
                }
            }
        }
        String denied = "User: " + caller.arn() + " is not authorized to perform: sts:AssumeRole on resource: " + roleArn;
        IamState.Role role = iam.roleByArn(roleArn).orElseThrow(() -> accessDenied(denied));
        Map<String, List<String>> context = new HashMap<>();
        context.put("aws:principalarn", List.of(caller.entityArn()));
        context.put("sts:rolesessionname", List.of(sessionName));
        if (externalId != null) {
            context.put("sts:externalid", List.of(externalId));
        }
        sessionTags.forEach((k, v) -> context.put(("aws:RequestTag/" + k).toLowerCase(Locale.ROOT), List.of(v)));
        if (!sessionTags.isEmpty()) {
            context.put("aws:tagkeys", List.copyOf(sessionTags.keySet()));
        }
        if (caller.isRoleSession()) {
            caller.sessionTags().forEach((k, v) -> context.put(("aws:PrincipalTag/" + k).toLowerCase(Locale.ROOT), List.of(v)));
        }
        JsonNode trust = parse(role.trustPolicy());
        var trustDecision = PolicyEvaluator.evaluate(List.of(trust), "sts:AssumeRole", null, caller, context);
        boolean identityAllows = identityDecision(caller, "sts:AssumeRole", roleArn, context) == PolicyEvaluator.Decision.ALLOWED;
        boolean direct = PolicyEvaluator.namesPrincipalDirectly(trust, caller);
        if (trustDecision != PolicyEvaluator.Decision.ALLOWED || (!direct && !identityAllows)
                || identityDecision(caller, "sts:AssumeRole", roleArn, context) == PolicyEvaluator.Decision.EXPLICIT_DENY) {
            throw accessDenied(denied);
        }
        if (!sessionTags.isEmpty()) {
            var tagDecision = PolicyEvaluator.evaluate(List.of(trust), "sts:TagSession", null, caller, context);
            boolean identityTag = identityDecision(caller, "sts:TagSession", roleArn, context) == PolicyEvaluator.Decision.ALLOWED;
            if (tagDecision != PolicyEvaluator.Decision.ALLOWED || (!direct && !identityTag)) {
                throw accessDenied("User: " + caller.arn() + " is not authorized to perform: sts:TagSession on resource: " + roleArn);
            }
        }
        if (caller.isRoleSession() && duration > 3600) {
            throw validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
        }
        if (duration > role.maxSessionDuration()) {
            throw validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
        }
        if (policy != null) {
            try {
                JSON.readTree(policy);
            } catch (IOException e) {
                throw new QueryError(400, "Sender", "MalformedPolicyDocument", "The policy is not in the valid JSON format.");
            }
        }
        String sessionArn = "arn:" + iam.partition() + ":sts::" + iam.accountId() + ":assumed-role/" + role.name() + "/"
                + sessionName;
        Principal session = new Principal(sessionArn, iam.accountId(), role.roleId() + ":" + sessionName, role.arn(),
                role.name(), sessionName, Map.copyOf(sessionTags), List.copyOf(sessionTransitive), policy, externalId,
                caller.isRoleSession());
        Instant expiration = clock.instant().plusSeconds(duration).truncatedTo(ChronoUnit.SECONDS);
        Principal.Credentials issued = credentials.newSession(session, expiration);
        out.open("Credentials").element("AccessKeyId", issued.accessKeyId())
                .element("SecretAccessKey", issued.secretAccessKey()).element("SessionToken", issued.sessionToken())
                .element("Expiration", DateTimeFormatter.ISO_INSTANT.format(expiration)).close()
                .open("AssumedRoleUser").element("AssumedRoleId", session.userId()).element("Arn", sessionArn).close()
                .element("PackedPolicySize", packed);
    }

    /**
     * STS packs the session policy and tags into a budget it does not publish; this stand-in models it as
     * {@value #PACKED_BUDGET} characters of policy, tag keys and tag values, so tests can meet PackedPolicyTooLarge.
     */
    static int packedPercent(String policy, Map<String, String> tags) {
        int used = policy == null ? 0 : policy.length();
        for (Map.Entry<String, String> t : tags.entrySet()) {
            used += t.getKey().length() + t.getValue().length();
        }
        return (int) Math.ceil(used * 100.0 / PACKED_BUDGET);
    }

    /** The session a set of temporary credentials belongs to (tests read session tags from it). */
    public Principal principalOf(String accessKeyId) {
        return credentials.find(accessKeyId).map(Principal.Credentials::principal).orElse(null);
    }

    // ------------------------------------------------------------------- IAM

    private void iam(Action action, Map<String, String> p, Principal caller, QueryXml out) {
        String resource = switch (action) {
            case CreateRole, GetRole, DeleteRole, UpdateAssumeRolePolicy, PutRolePolicy ->
                    "arn:" + iam.partition() + ":iam::" + iam.accountId() + ":role" + p.getOrDefault("Path", "/")
                            + p.getOrDefault("RoleName", "");
            case CreateUser, PutUserPolicy, CreateAccessKey ->
                    "arn:" + iam.partition() + ":iam::" + iam.accountId() + ":user/" + p.getOrDefault("UserName", "");
            default -> "*";
        };
        if (identityDecision(caller, "iam:" + action, resource, Map.of()) != PolicyEvaluator.Decision.ALLOWED) {
            throw accessDenied("User: " + caller.arn() + " is not authorized to perform: iam:" + action + " on resource: "
                    + resource + " because no identity-based policy allows the iam:" + action + " action");
        }
        switch (action) {
            case CreateRole -> createRole(p, out);
            case GetRole -> roleXml(role(required(p, "RoleName")), out);
            case DeleteRole -> {
                IamState.Role role = role(required(p, "RoleName"));
                iam.roles.remove(role.name());
                // the role's sessions end with it (and a role created again under the name is another role)
                credentials.removeFor(role.arn());
            }
            case UpdateAssumeRolePolicy -> {
                IamState.Role role = role(required(p, "RoleName"));
                String doc = policyDocument(p, "PolicyDocument");
                iam.replaceRole(role.withTrustPolicy(doc));
            }
            case PutRolePolicy ->
                role(required(p, "RoleName")).policies().put(required(p, "PolicyName"), policyDocument(p, "PolicyDocument"));
            case CreateUser -> {
                String name = required(p, "UserName");
                if (iam.user(name).isPresent()) {
                    throw new QueryError(409, "Sender", "EntityAlreadyExists", "User with name " + name + " already exists.");
                }
                IamState.User user = iam.addUser(name);
                out.open("User").element("Path", "/").element("UserName", name).element("UserId", user.userId())
                        .element("Arn", user.arn()).element("CreateDate", DateTimeFormatter.ISO_INSTANT.format(user.createdAt()))
                        .close();
            }
            case PutUserPolicy ->
                user(required(p, "UserName")).policies().put(required(p, "PolicyName"), policyDocument(p, "PolicyDocument"));
            case CreateAccessKey -> {
                IamState.User user = user(required(p, "UserName"));
                Principal.Credentials c = credentials.newLongTerm(Principal.user(user.arn(), iam.accountId(), user.userId()));
                out.open("AccessKey").element("UserName", user.name()).element("AccessKeyId", c.accessKeyId())
                        .element("Status", "Active").element("SecretAccessKey", c.secretAccessKey())
                        .element("CreateDate", DateTimeFormatter.ISO_INSTANT.format(clock.instant())).close();
            }
            case SimulatePrincipalPolicy -> simulate(p, out);
            default -> throw new IllegalArgumentException(action + " is not an IAM action");
        }
    }

    private void createRole(Map<String, String> p, QueryXml out) {
        String name = required(p, "RoleName");
        if (!ROLE_NAME.matcher(name).matches()) {
            throw validation("1 validation error detected: Value '" + name + "' at 'roleName' failed to satisfy constraint");
        }
        String path = p.getOrDefault("Path", "/");
        if (!path.startsWith("/") || !path.endsWith("/")) {
            throw validation("The specified value for path is invalid. It must begin and end with / and contain only"
                    + " alphanumeric characters and/or / characters.");
        }
        String trust = policyDocument(p, "AssumeRolePolicyDocument");
        int max = p.containsKey("MaxSessionDuration") ? parseInt(p.get("MaxSessionDuration"), "MaxSessionDuration") : 3600;
        if (max < 3600 || max > 43200) {
            throw validation("The requested MaxSessionDuration must be between 3600 and 43200 seconds.");
        }
        synchronized (iam) {
            if (iam.role(name).isPresent()) {
                throw new QueryError(409, "Sender", "EntityAlreadyExists", "Role with name " + name + " already exists.");
            }
            roleXml(iam.addRole(name, path, trust, max, p.get("Description")), out);
        }
    }

    private void simulate(Map<String, String> p, QueryXml out) {
        String source = required(p, "PolicySourceArn");
        if (iam.userByArn(source).isEmpty() && iam.roleByArn(source).isEmpty()) {
            throw new QueryError(404, "Sender", "NoSuchEntity", "The entity " + source + " cannot be found.");
        }
        List<String> actions = members(p, "ActionNames");
        List<String> resources = members(p, "ResourceArns");
        if (resources.isEmpty()) {
            resources = List.of("*");
        }
        out.element("IsTruncated", false).open("EvaluationResults");
        Principal principal = Principal.user(source, iam.accountId(), "simulated");
        for (String action : actions) {
            for (String resource : resources) {
                var decision = identityDecision(principal, action, resource, Map.of());
                out.open("member").element("EvalActionName", action).element("EvalResourceName", resource)
                        .element("EvalDecision", switch (decision) {
                            case ALLOWED -> "allowed";
                            case EXPLICIT_DENY -> "explicitDeny";
                            case IMPLICIT_DENY -> "implicitDeny";
                        }).empty("MatchedStatements").empty("MissingContextValues").close();
            }
        }
        out.close();
    }

    /** Whether the principal's identity policies (and session policy) allow the action on the resource. */
    public boolean allows(Principal principal, String action, String resource) {
        return identityDecision(principal, action, resource, Map.of()) == PolicyEvaluator.Decision.ALLOWED;
    }

    private PolicyEvaluator.Decision identityDecision(Principal principal, String action, String resource,
                                                      Map<String, List<String>> context) {
        List<JsonNode> policies = new ArrayList<>();
        for (String doc : iam.policiesOf(principal.entityArn()).values()) {
            policies.add(parse(doc));
        }
        var decision = PolicyEvaluator.evaluate(policies, action, resource, null, context);
        if (decision == PolicyEvaluator.Decision.ALLOWED && principal.sessionPolicy() != null) {
            decision = PolicyEvaluator.evaluate(List.of(parse(principal.sessionPolicy())), action, resource, null, context);
        }
        return decision;
    }

    private IamState.Role role(String name) {
        return iam.role(name).orElseThrow(() ->
                new QueryError(404, "Sender", "NoSuchEntity", "The role with name " + name + " cannot be found."));
    }

    private IamState.User user(String name) {
        return iam.user(name).orElseThrow(() ->
                new QueryError(404, "Sender", "NoSuchEntity", "The user with name " + name + " cannot be found."));
    }

    private static void roleXml(IamState.Role r, QueryXml out) {
        out.open("Role").element("Path", r.path()).element("RoleName", r.name()).element("RoleId", r.roleId())
                .element("Arn", r.arn())
                .element("CreateDate", DateTimeFormatter.ISO_INSTANT.format(r.createdAt().truncatedTo(ChronoUnit.SECONDS)))
                // IAM answers policy documents URL-encoded
                .element("AssumeRolePolicyDocument", URLEncoder.encode(r.trustPolicy(), StandardCharsets.UTF_8).replace("+", "%20"))
                .element("MaxSessionDuration", r.maxSessionDuration()).close();
    }

    private static String policyDocument(Map<String, String> p, String name) {
        String doc = required(p, name);
        try {
            JsonNode node = JSON.readTree(doc);
            if (node == null || !node.isObject() || !node.has("Statement")) {
                throw new IOException("no Statement");
            }
        } catch (IOException e) {
            throw new QueryError(400, "Sender", "MalformedPolicyDocument", "Syntax errors in policy.");
        }
        return doc;
    }

    private static final Map<String, JsonNode> PARSED = new ConcurrentHashMap<>();

    /** Policy documents are parsed once (they are validated JSON when stored). */
    private static JsonNode parse(String json) {
        return PARSED.computeIfAbsent(json, doc -> {
            try {
                return JSON.readTree(doc);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static List<String> members(Map<String, String> p, String name) {
        List<String> out = new ArrayList<>();
        for (int i = 1; p.containsKey(name + ".member." + i); i++) {
            out.add(p.get(name + ".member." + i));
        }
        return out;
    }

    private static String required(Map<String, String> p, String name) {
        String v = p.get(name);
        if (v == null || v.isEmpty()) {
            throw validation("1 validation error detected: Value null at '" + Character.toLowerCase(name.charAt(0))
                    + name.substring(1) + "' failed to satisfy constraint: Member must not be null");
        }
        return v;
    }

    private static int parseInt(String value, String name) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw validation(name + " must be a number");
        }
    }

    private static Map<String, String> form(String body) {
        Map<String, String> out = new TreeMap<>();
        Http.queryPairs(body, Http.Plus.SPACE).forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
