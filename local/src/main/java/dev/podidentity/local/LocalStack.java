package dev.podidentity.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podidentity.api.FunctionPackage;
import dev.podidentity.api.Route;
import dev.podidentity.config.Composition;
import dev.podidentity.config.Settings;
import dev.podidentity.domain.ServiceIdentity;
import dev.podidentity.handlers.Routes;
import dev.podidentity.local.agent.LocalAgent;
import dev.podidentity.local.agent.LocalCluster;
import dev.podidentity.local.aws.AwsStandIn;
import dev.podidentity.local.aws.CredentialStore;
import dev.podidentity.local.aws.IamState;
import dev.podidentity.local.aws.Principal;
import dev.podidentity.local.aws.SigV4Verifier;
import dev.podidentity.local.dynamo.TableSetup;
import dev.podidentity.local.dynamo.TransactionalDynamo;
import dev.podidentity.local.gateway.LocalApiGateway;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The embedded default: the real handlers behind a local API Gateway, DynamoDB (dynalite plus transactions) and an
 * STS/IAM stand-in, all on 127.0.0.1 with no AWS account. Functions see only endpoints and credentials.
 */
public final class LocalStack implements AutoCloseable {
    static {
        // every local component talks HTTP/1.1 through HttpURLConnection (the SDK's URLConnection client too):
        // keep enough connections alive for concurrent requests instead of the JDK's default of 5 per host
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", "128");
        }
    }

    public static final String TABLE = "pod-identity";
    public static final String DEFAULT_ADMIN_KEY = "AKIAPODIDENTITYLOCAL";
    public static final String DEFAULT_ADMIN_SECRET = "local-admin-secret-for-the-local-stack-only";

    /**
     * How to run the local stack. {@code port} 0 picks a free port; {@code dataDir} null keeps data in memory;
     * {@code tlsDir} not null serves the API over https with the CA and certificate kept there ({@link Tls}).
     */
    public record Options(int port, String region, String accountId, Path dataDir, String adminAccessKey,
                          String adminSecretKey, Path tlsDir) {
        public static Options defaults() {
            return new Options(0, "us-east-1", "000000000000", null, DEFAULT_ADMIN_KEY, DEFAULT_ADMIN_SECRET, null);
        }

        public Options withPort(int p) {
            return new Options(p, region, accountId, dataDir, adminAccessKey, adminSecretKey, tlsDir);
        }

        public Options withDataDir(Path dir) {
            return new Options(port, region, accountId, dir, adminAccessKey, adminSecretKey, tlsDir);
        }

        public Options withRegion(String r) {
            return new Options(port, r, accountId, dataDir, adminAccessKey, adminSecretKey, tlsDir);
        }

        public Options withAccount(String id) {
            return new Options(port, region, id, dataDir, adminAccessKey, adminSecretKey, tlsDir);
        }

        /** Serve the API over https with the TLS material kept in {@code dir} (created there when missing). */
        public Options withTls(Path dir) {
            return new Options(port, region, accountId, dataDir, adminAccessKey, adminSecretKey, dir);
        }
    }

    private final Options options;
    private final TransactionalDynamo dynamo;
    private final AwsStandIn aws;
    private final IamState iam;
    private final CredentialStore credentials;
    private final Map<String, String> adminEnv;
    private final Map<String, String> brokerEnv;
    private final LocalApiGateway gateway;
    private final String brokerRoleArn;
    private final LocalCluster localCluster;
    private final LocalAgent agent;
    private final Tls tls;

    private LocalStack(Options options) throws IOException {
        this.options = options;
        this.tls = options.tlsDir() == null ? null : Tls.ensure(options.tlsDir());
        Clock clock = Clock.systemUTC();
        String partition = ServiceIdentity.partitionOf(options.region());
        this.dynamo = TransactionalDynamo.start(options.dataDir(), options.port() == 0 ? 0 : options.port() + 2);
        this.iam = new IamState(partition, options.accountId());
        this.credentials = new CredentialStore();
        Path iamFile = options.dataDir() == null ? null : options.dataDir().resolve("iam.json");
        if (iamFile != null) {
            iam.load(iamFile, credentials);
        }
        IamState.User admin = iam.user("admin").orElseGet(() -> iam.addUser("admin"));
        admin.policies().put("admin", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}");
        credentials.addLongTerm(options.adminAccessKey(), options.adminSecretKey(),
                Principal.user(admin.arn(), options.accountId(), admin.userId()));
        String trustAccount = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:"
                + partition + ":iam::" + options.accountId() + ":root\"},\"Action\":\"sts:AssumeRole\"}]}";
        IamState.Role adminRole = iam.role("pod-identity-admin-function").orElseGet(() ->
                iam.addRole("pod-identity-admin-function", "/", trustAccount, 3600, "admin functions"));
        adminRole.policies().put("role-checks", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Action\":[\"iam:GetRole\",\"iam:SimulatePrincipalPolicy\"],\"Resource\":\"*\"}]}");
        IamState.Role broker = iam.role("pod-identity-broker").orElseGet(() ->
                iam.addRole("pod-identity-broker", "/", trustAccount, 3600, "credential broker"));
        broker.policies().put("broker", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"],\"Resource\":\"*\"}]}");
        this.brokerRoleArn = broker.arn();
        this.aws = new AwsStandIn(iam, credentials, clock).start(options.port() == 0 ? 0 : options.port() + 1);
        if (iamFile != null) {
            iam.save(iamFile, credentials);
            aws.onIamChange(() -> iam.save(iamFile, credentials));
        }
        this.adminEnv = functionEnv(executionCredentials(adminRole));
        this.brokerEnv = functionEnv(executionCredentials(broker));
        this.brokerEnv.put(Settings.SDK_CALL_TIMEOUT_MS, Long.toString(FunctionPackage.BROKER.callTimeout().toMillis()));
        try (DynamoDbClient client = DynamoDbClient.builder()
                .endpointOverride(URI.create(dynamo.endpoint()))
                .region(Region.of(options.region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create())
                .build()) {
            TableSetup.ensureTable(client, TABLE);
        }
        Composition adminFunctions = Composition.from(adminEnv);
        Composition brokerFunctions = Composition.from(brokerEnv);
        this.gateway = new LocalApiGateway(Routes.ALL,
                route -> Routes.handler(route, route.functionPackage() == FunctionPackage.BROKER ? brokerFunctions : adminFunctions),
                new SigV4Verifier(credentials, clock), aws::allows, partition, options.region(), options.accountId())
                .start(options.port(), tls == null ? null : tls.serverContext());
        this.localCluster = LocalCluster.load(LocalCluster.DEFAULT_NAME, options.dataDir());
        adminFunctions.clusters().register(localCluster.name(), LocalCluster.ISSUER, localCluster.jwks(),
                Map.of("local", "true"));
        this.agent = new LocalAgent(gateway.url(), tls == null ? null : tls.clientContext(), localCluster.name(), localCluster)
                .start(options.port() == 0 ? 0 : options.port() + 3);
    }

    public static LocalStack start(Options options) throws IOException {
        return new LocalStack(options);
    }

    /** The credentials a function's execution role has (a role session, as Lambda gives). */
    private Principal.Credentials executionCredentials(IamState.Role role) {
        Principal session = new Principal("arn:" + iam.partition() + ":sts::" + options.accountId() + ":assumed-role/"
                + role.name() + "/local", options.accountId(), role.roleId() + ":local", role.arn(), role.name(), "local",
                Map.of(), java.util.List.of(), null, null, false);
        return credentials.newSession(session, null);
    }

    private Map<String, String> functionEnv(Principal.Credentials creds) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AWS_REGION", options.region());
        env.put(Settings.TABLE_NAME, TABLE);
        env.put(Settings.ACCOUNT_ID, options.accountId());
        env.put(Settings.BROKER_ROLE_ARN, brokerRoleArn);
        env.put("AWS_ENDPOINT_URL_DYNAMODB", dynamo.endpoint());
        env.put("AWS_ENDPOINT_URL_STS", aws.endpoint());
        env.put("AWS_ENDPOINT_URL_IAM", aws.endpoint());
        env.put("AWS_ACCESS_KEY_ID", creds.accessKeyId());
        env.put("AWS_SECRET_ACCESS_KEY", creds.secretAccessKey());
        env.put("AWS_SESSION_TOKEN", creds.sessionToken());
        env.put("POWERTOOLS_SERVICE_NAME", "pod-identity");
        env.put("POWERTOOLS_METRICS_NAMESPACE", "PodIdentity");
        env.put("AWS_EMF_ENVIRONMENT", "Local");
        env.put("POWERTOOLS_LOG_LEVEL", System.getenv().getOrDefault("POWERTOOLS_LOG_LEVEL", "WARN"));
        return env;
    }

    /** The environment a route's function gets (what the stack sets in Lambda, with local endpoints). */
    public Map<String, String> functionEnvironment(Route route) {
        return Map.copyOf(route.functionPackage() == FunctionPackage.BROKER ? brokerEnv : adminEnv);
    }

    /** How many requests reached a handler through the local API Gateway. */
    public long handlerInvocations() {
        return gateway.invocations();
    }

    public String apiUrl() {
        return gateway.url();
    }

    /** The CA that signed the API's certificate (PEM), or null when the API is plain http. */
    public Path caCertificate() {
        return tls == null ? null : tls.caPem();
    }

    /** The API's TLS material, or null when the API is plain http. */
    public Tls tls() {
        return tls;
    }

    public String awsEndpoint() {
        return aws.endpoint();
    }

    public String dynamoEndpoint() {
        return dynamo.endpoint();
    }

    public String region() {
        return options.region();
    }

    public String accountId() {
        return options.accountId();
    }

    public String brokerRoleArn() {
        return brokerRoleArn;
    }

    /**
     * The stock EKS client pointed at this stack, changed only by endpoint and signing name (API Gateway with IAM
     * authorization wants {@code execute-api}).
     */
    public software.amazon.awssdk.services.eks.EksClient eksClient(software.amazon.awssdk.auth.credentials.AwsCredentials credentials) {
        return software.amazon.awssdk.services.eks.EksClient.builder()
                .endpointOverride(URI.create(apiUrl()))
                .region(Region.of(region()))
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .httpClient(tls == null ? UrlConnectionHttpClient.create()
                        : UrlConnectionHttpClient.builder().tlsTrustManagersProvider(tls::trustManagers).build())
                .authSchemeProvider(params -> java.util.List.of(
                        software.amazon.awssdk.http.auth.spi.scheme.AuthSchemeOption.builder()
                                .schemeId(software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme.SCHEME_ID)
                                .putSignerProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api")
                                .putSignerProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.REGION_NAME, region())
                                .build()))
                .build();
    }

    /** An IAM client for the stand-in, as the local admin. */
    public software.amazon.awssdk.services.iam.IamClient iamClient() {
        return software.amazon.awssdk.services.iam.IamClient.builder()
                .endpointOverride(URI.create(awsEndpoint()))
                .region(Region.AWS_GLOBAL)
                .credentialsProvider(StaticCredentialsProvider.create(adminCredentials()))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    public AwsBasicCredentials adminCredentials() {
        return AwsBasicCredentials.create(options.adminAccessKey(), options.adminSecretKey());
    }

    /** The cluster whose signing key the local stack holds (tokens minted by {@link #localCluster()}). */
    public LocalCluster localCluster() {
        return localCluster;
    }

    /** The node agent's credentials endpoint, for AWS_CONTAINER_CREDENTIALS_FULL_URI. */
    public String agentCredentialsUri() {
        return agent.credentialsUri();
    }

    public String agentUrl() {
        return agent.url();
    }

    public AwsStandIn aws() {
        return aws;
    }

    public TransactionalDynamo dynamo() {
        return dynamo;
    }

    public IamState iam() {
        return iam;
    }

    public CredentialStore credentials() {
        return credentials;
    }

    @Override
    public void close() {
        agent.close();
        gateway.close();
        aws.close();
        dynamo.close();
    }

    /**
     * The state file's path: {@code POD_IDENTITY_LOCAL_STATE} when set, else {@code .local-data/stack.json}; the
     * launcher, {@code pod-identity-local stop} and {@code invoke} read the same default.
     */
    public static Path defaultStateFile() {
        String configured = System.getenv("POD_IDENTITY_LOCAL_STATE");
        return configured == null || configured.isBlank() ? Path.of(".local-data", "stack.json") : Path.of(configured);
    }

    /**
     * Writes what {@code invoke} needs to reach this stack and the PID {@code pod-identity-local stop} ends (mode
     * 600: it holds local credentials).
     */
    public void writeState(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode state = json.createObjectNode().put("pid", ProcessHandle.current().pid()).put("apiUrl", apiUrl());
        ObjectNode functions = state.putObject("functions");
        for (Route route : Routes.ALL) {
            ObjectNode env = functions.putObject(route.operation());
            functionEnvironment(route).forEach(env::put);
        }
        Files.createDirectories(java.util.Objects.requireNonNull(file.toAbsolutePath().getParent(), "state folder"));
        Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(state));
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.defaults().withPort(9000);
        Path state = defaultStateFile();
        boolean tls = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--port" -> { options = options.withPort(Integer.parseInt(v)); i++; }
                case "--region" -> { options = options.withRegion(v); i++; }
                case "--account" -> { options = options.withAccount(v); i++; }
                case "--data-dir" -> { options = options.withDataDir(Path.of(v)); i++; }
                case "--tls" -> tls = true;
                case "--state-file" -> { state = Path.of(v); i++; }
                case "--help", "-h" -> {
                    System.out.println("""
                            Usage: local/bin/pod-identity-local [options]
                              --port N          API port on 127.0.0.1 (default 9000; STS/IAM on N+1, DynamoDB on N+2, agent on N+3;
                                                0 = free ports for all)
                              --region R        region of the local service (default us-east-1)
                              --account ID      12-digit account id (default 000000000000)
                              --data-dir DIR    keep DynamoDB data in DIR across restarts (default: in memory)
                              --tls             serve the API over https (a Kubernetes API server calls webhooks over https
                                                only): a CA and a certificate for 127.0.0.1/localhost, created once and kept
                                                in DIR/tls (without --data-dir: .local-data/tls); trust DIR/tls/ca.pem
                              --state-file F    where to write the PID and endpoints for local/bin/invoke and stop
                                                (default $POD_IDENTITY_LOCAL_STATE, else .local-data/stack.json)
                            Usage: local/bin/pod-identity-local stop [--state-file F]
                                                stops the stack whose PID is in the state file""");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + a + " (see --help)");
            }
        }
        if (tls) {
            Path base = options.dataDir() != null ? options.dataDir() : Path.of(".local-data");
            options = options.withTls(base.resolve("tls"));
        }
        LocalStack started;
        try {
            started = LocalStack.start(options);
        } catch (java.net.BindException e) {
            System.err.println("A port of the local stack is in use (" + options.port() + " to " + (options.port() + 3)
                    + "): stop what uses it or pass --port N");
            System.exit(1);
            return;
        }
        try (LocalStack stack = started) {
            stack.writeState(state);
            Path stateFile = state.toAbsolutePath();
            String stopCommand = "local/bin/pod-identity-local stop"
                    + (stateFile.equals(defaultStateFile().toAbsolutePath()) ? "" : " --state-file " + stateFile);
            System.out.println("Pod Identity local stack is up (PID " + ProcessHandle.current().pid() + ").");
            System.out.println("  API (SigV4, service execute-api): " + stack.apiUrl());
            if (stack.caCertificate() != null) {
                System.out.println("  TLS CA (trust it; cluster/install --ca-bundle): " + stack.caCertificate().toAbsolutePath());
            }
            System.out.println("  region: " + stack.region() + "   account: " + stack.accountId());
            System.out.println("  admin credentials: AWS_ACCESS_KEY_ID=" + options.adminAccessKey()
                    + " AWS_SECRET_ACCESS_KEY=" + options.adminSecretKey());
            System.out.println("  STS/IAM stand-in: " + stack.awsEndpoint() + "   DynamoDB: " + stack.dynamoEndpoint());
            System.out.println("  credential broker role: " + stack.brokerRoleArn());
            System.out.println("  node agent: AWS_CONTAINER_CREDENTIALS_FULL_URI=" + stack.agentCredentialsUri()
                    + "   pod tokens for cluster '" + stack.localCluster().name() + "': " + stack.agentUrl()
                    + "/local/token?namespace=NS&serviceAccount=SA");
            System.out.println("  data: " + (options.dataDir() == null ? "in memory" : options.dataDir().toAbsolutePath())
                    + "   state (PID, endpoints for invoke): " + stateFile);
            System.out.println("Stop it with Ctrl+C, or from another shell: " + stopCommand);
            System.out.flush();
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // a stopped stack leaves no state behind: invoke and stop then say it is not running
                try {
                    Files.deleteIfExists(stateFile);
                } catch (IOException ignored) {
                    // best effort while the JVM exits
                }
                stop.countDown();
            }));
            stop.await();
        }
    }
}
