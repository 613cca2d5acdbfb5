package dev.podidentity.local;

import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.iam.IamClient;

/** One local stack per test JVM, and SDK clients pointed at it. */
public final class TestStack {
    private static LocalStack stack;
    private static final AtomicInteger NAMES = new AtomicInteger();

    private TestStack() {
    }

    public static synchronized LocalStack get() {
        if (stack == null) {
            try {
                stack = LocalStack.start(LocalStack.Options.defaults());
            } catch (Exception e) {
                throw new IllegalStateException("local stack did not start", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close));
        }
        return stack;
    }

    /** The real EKS client, changed only by endpoint and signing name (execute-api, as API Gateway requires). */
    public static EksClient eks() {
        return eks(get().adminCredentials());
    }

    public static EksClient eks(AwsCredentials credentials) {
        return get().eksClient(credentials);
    }

    /** EKS Auth as the stock agent calls it: signed with node credentials for eks-auth, which the route ignores. */
    public static software.amazon.awssdk.services.eksauth.EksAuthClient eksAuth() {
        return software.amazon.awssdk.services.eksauth.EksAuthClient.builder()
                .endpointOverride(java.net.URI.create(get().apiUrl()))
                .region(software.amazon.awssdk.regions.Region.of(get().region()))
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("AKIANODEROLE0000", "node-secret")))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .build();
    }

    public static IamClient iam() {
        return get().iamClient();
    }

    /** The real DynamoDB client on the local DynamoDB (dynalite and its transaction layer); close it after use. */
    public static DynamoDbClient dynamo() {
        return DynamoDbClient.builder()
                .endpointOverride(URI.create(get().dynamoEndpoint()))
                .region(Region.US_EAST_1)
                .credentialsProvider(() -> AwsBasicCredentials.create("local", "local"))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** A unique name for this JVM's tests (clusters, roles). */
    public static String unique(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
    }

    /** Creates a role whose trust policy lets the credential broker assume and tag it; returns its ARN. */
    public static String brokerTrustedRole(String name) {
        return role(name, "[\"sts:AssumeRole\",\"sts:TagSession\"]");
    }

    public static String role(String name, String actions) {
        String trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\""
                + get().brokerRoleArn() + "\"},\"Action\":" + actions + "}]}";
        try (IamClient iam = iam()) {
            return iam.createRole(r -> r.roleName(name).assumeRolePolicyDocument(trust)).role().arn();
        }
    }

    /** Registers a cluster with a throwaway key set. */
    public static String registerCluster(String name) {
        ClusterApi.register(name, "https://oidc.local/" + name, Keys.rsaJwks("k1"));
        return name;
    }
}
