package dev.podidentity.config;

import dev.podidentity.adapter.dynamodb.DynamoStore;
import dev.podidentity.adapter.iam.IamRoleValidator;
import dev.podidentity.adapter.secrets.SecretsManagerReader;
import dev.podidentity.domain.CredentialIssuer;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.service.AssociationService;
import dev.podidentity.service.ClusterService;
import dev.podidentity.service.CredentialService;
import dev.podidentity.service.DiagnosisService;
import dev.podidentity.adapter.sts.StsCredentialIssuer;
import dev.podidentity.service.PageTokens;
import dev.podidentity.service.TagService;
import dev.podidentity.service.WebhookSyncService;
import dev.podidentity.service.admission.AdmissionService;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The composition root: builds SDK clients, adapters and services once per execution environment, from the
 * environment the stack sets. Clients are built on first use, so each function pays only for what it calls.
 */
public final class Composition {
    static {
        // The SDK parses STS and IAM (XML) answers with a per-thread XMLInputFactory; without this property every new
        // factory scans the whole classpath for a StAX provider. Name the JDK's own one.
        if (System.getProperty("javax.xml.stream.XMLInputFactory") == null) {
            System.setProperty("javax.xml.stream.XMLInputFactory", "com.sun.xml.internal.stream.XMLInputFactoryImpl");
        }
    }

    private static volatile Composition environment;

    private final Settings settings;
    private final Clock clock = Clock.systemUTC();
    private final SdkClients clients;
    private final Supplier<DynamoDbClient> dynamo;
    /** Built through the adapter so that no STS type appears here: the admin package has no STS client. */
    private final Supplier<CredentialIssuer> credentialIssuer;
    /** Built through the adapter so that no IAM type appears here: the broker's package has no IAM client. */
    private final Supplier<IamRoleValidator> roleValidator;
    private final Supplier<PodIdentityStore> store;
    /** Keyed with the paging secret when the stack names one: read once per execution environment. */
    private final Supplier<PageTokens> pageTokens;
    private final Supplier<AssociationService> associations;
    private final Supplier<ClusterService> clusters;
    private final Supplier<TagService> tags;
    private final Supplier<CredentialService> credentialService;
    private final Supplier<DiagnosisService> diagnosis;
    private final Supplier<AdmissionService> admissions;
    private final Supplier<WebhookSyncService> webhookSync;

    private Composition(Settings settings, AwsCredentialsProvider credentials) {
        this.settings = settings;
        this.clients = new SdkClients(credentials, settings.callTimeout());
        Region region = Region.of(settings.identity().region());
        this.dynamo = memoize(() -> clients.configure(DynamoDbClient.builder(), region, settings.dynamodbEndpoint()).build());
        this.credentialIssuer = memoize(() -> StsCredentialIssuer.create(clients, region, settings.stsEndpoint()));
        this.roleValidator = memoize(() -> IamRoleValidator.create(clients, settings.identity().partition(),
                settings.iamEndpoint(), settings.brokerRoleArn()));
        this.pageTokens = memoize(() -> new PageTokens(settings.pageTokenSecretArn() == null ? settings.pageTokenKey()
                : pageTokenKey(new SecretsManagerReader(clients, settings.identity().region(),
                        settings.secretsManagerEndpoint()).secretString(settings.pageTokenSecretArn()))));
        this.store = memoize(() -> new DynamoStore(dynamo.get(), settings.tableName(), clock));
        this.associations = memoize(() -> new AssociationService(store.get(), roleValidator.get(), settings.identity(),
                pageTokens.get(), clock));
        this.clusters = memoize(() -> new ClusterService(store.get(), settings.identity(), pageTokens.get(), clock));
        this.tags = memoize(() -> new TagService(store.get(), settings.identity(), clock));
        this.credentialService = memoize(() -> new CredentialService(store.get(), credentialIssuer.get(), clock));
        this.diagnosis = memoize(() -> new DiagnosisService(store.get(), roleValidator.get(), clock));
        this.admissions = memoize(() -> new AdmissionService(store.get(), clock, settings.identity().region()));
        this.webhookSync = memoize(() -> new WebhookSyncService(store.get(), clock));
    }

    /** The paging secret's value as an HMAC key: at least 32 characters (the stack generates 64). */
    static byte[] pageTokenKey(String secretString) {
        byte[] key = secretString.getBytes(StandardCharsets.UTF_8);
        if (key.length < 32) {
            throw new IllegalStateException("the paging key secret (" + Settings.PAGE_TOKEN_SECRET_ARN
                    + ") is shorter than 32 characters: give it a random value of at least 32");
        }
        return key;
    }

    /** The composition of this execution environment, from the process environment (what Lambda runs). */
    public static Composition fromEnvironment() {
        Composition c = environment;
        if (c == null) {
            synchronized (Composition.class) {
                c = environment;
                if (c == null) {
                    c = new Composition(Settings.from(System.getenv()), DefaultCredentialsProvider.builder().build());
                    environment = c;
                }
            }
        }
        return c;
    }

    /**
     * A composition from an explicit environment (e.g. the local stack serving handlers in its own JVM): the same
     * variable names, with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN as the credentials.
     */
    public static Composition from(Map<String, String> env) {
        AwsCredentialsProvider credentials;
        String key = env.get("AWS_ACCESS_KEY_ID");
        if (key != null) {
            String secret = env.get("AWS_SECRET_ACCESS_KEY");
            String token = env.get("AWS_SESSION_TOKEN");
            credentials = StaticCredentialsProvider.create(token == null
                    ? AwsBasicCredentials.create(key, secret) : AwsSessionCredentials.create(key, secret, token));
        } else {
            credentials = DefaultCredentialsProvider.builder().build();
        }
        return new Composition(Settings.from(env), credentials);
    }

    /**
     * Builds the SDK clients of this execution environment and makes one DynamoDB read (of a cluster that does not
     * exist), so a SnapStart snapshot holds them ready. Does nothing when the environment composition was never
     * created (handlers built around another composition).
     */
    public static void primeEnvironment() {
        Composition c = environment;
        if (c != null) {
            c.prime();
        }
    }

    public void prime() {
        store.get().findCluster(dev.podidentity.api.Priming.CLUSTER);
        if (settings.pageTokenSecretArn() != null) {
            // only paging functions have the secret's ARN (and may read it): the key is in the snapshot
            pageTokens.get();
        }
        if (onClasspath("software.amazon.awssdk.services.sts.StsClient")) {
            credentialIssuer.get();
        }
        if (onClasspath("software.amazon.awssdk.services.iam.IamClient")) {
            roleValidator.get();
        }
    }

    /** Each package leaves out the clients its functions never use (the broker IAM, the admin functions STS). */
    private static boolean onClasspath(String className) {
        try {
            Class.forName(className, false, Composition.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    public Settings settings() {
        return settings;
    }

    public Clock clock() {
        return clock;
    }

    public PodIdentityStore store() {
        return store.get();
    }

    /** The nextToken sealer of this execution environment (reads the paging secret on first use). */
    public PageTokens pageTokens() {
        return pageTokens.get();
    }

    public AssociationService associations() {
        return associations.get();
    }

    public ClusterService clusters() {
        return clusters.get();
    }

    public TagService tags() {
        return tags.get();
    }

    public CredentialService credentials() {
        return credentialService.get();
    }

    public DiagnosisService diagnosis() {
        return diagnosis.get();
    }

    public AdmissionService admissions() {
        return admissions.get();
    }

    public WebhookSyncService webhookSync() {
        return webhookSync.get();
    }

    static <T> Supplier<T> memoize(Supplier<T> supplier) {
        return new Supplier<>() {
            private volatile T value;

            @Override
            public T get() {
                T v = value;
                if (v == null) {
                    synchronized (this) {
                        v = value;
                        if (v == null) {
                            v = supplier.get();
                            value = v;
                        }
                    }
                }
                return v;
            }
        };
    }
}
