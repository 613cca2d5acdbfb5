package dev.podidentity.config;

import dev.podidentity.domain.ServiceIdentity;
import java.net.URI;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The configuration the stack (or the local stack) gives the functions through environment variables; read here
 * and nowhere else.
 */
public record Settings(
        String tableName,
        ServiceIdentity identity,
        String brokerRoleArn,
        byte[] pageTokenKey,
        URI dynamodbEndpoint,
        URI stsEndpoint,
        URI iamEndpoint,
        Duration callTimeout,
        String metricsNamespace,
        String publicApiUrl,
        String pageTokenSecretArn,
        URI secretsManagerEndpoint) {

    public static final String TABLE_NAME = "TABLE_NAME";
    public static final String ACCOUNT_ID = "ACCOUNT_ID";
    public static final String BROKER_ROLE_ARN = "BROKER_ROLE_ARN";
    public static final String PAGE_TOKEN_KEY = "PAGE_TOKEN_KEY";
    /**
     * The Secrets Manager secret whose SecretString is the nextToken HMAC key; set by the stack on the functions that
     * page (and only those may read it). Without it the key is PAGE_TOKEN_KEY, else derived from account, region and
     * table (the local stack).
     */
    public static final String PAGE_TOKEN_SECRET_ARN = "PAGE_TOKEN_SECRET_ARN";
    /**
     * Upper bound of one AWS call including retries (each attempt gets half). The credential broker uses less than
     * the agent's 1 s budget, so a hung dependency becomes a retryable 503 before the agent gives up.
     */
    public static final String SDK_CALL_TIMEOUT_MS = "SDK_CALL_TIMEOUT_MS";
    /**
     * Optional: the API's public base URL (e.g. a custom domain), for the webhook URL RegisterCluster answers; without
     * it the URL is derived from the request.
     */
    public static final String PUBLIC_API_URL = "PUBLIC_API_URL";

    public Settings {
        pageTokenKey = pageTokenKey.clone();
    }

    /** A copy: the key stays this record's own. */
    @Override
    public byte[] pageTokenKey() {
        return pageTokenKey.clone();
    }

    public static Settings from(Map<String, String> env) {
        String region = first(env, "AWS_REGION", "AWS_DEFAULT_REGION");
        if (region == null) {
            throw new IllegalStateException("AWS_REGION is not set");
        }
        String table = required(env, TABLE_NAME);
        String account = required(env, ACCOUNT_ID);
        String partition = ServiceIdentity.partitionOf(region);
        String tokenKey = env.getOrDefault(PAGE_TOKEN_KEY, "pod-identity:" + account + ":" + region + ":" + table);
        return new Settings(table, new ServiceIdentity(partition, region, account), env.get(BROKER_ROLE_ARN),
                tokenKey.getBytes(StandardCharsets.UTF_8),
                endpoint(env, "AWS_ENDPOINT_URL_DYNAMODB"), endpoint(env, "AWS_ENDPOINT_URL_STS"),
                endpoint(env, "AWS_ENDPOINT_URL_IAM"),
                Duration.ofMillis(Long.parseLong(env.getOrDefault(SDK_CALL_TIMEOUT_MS, "10000"))),
                env.getOrDefault("POWERTOOLS_METRICS_NAMESPACE", "PodIdentity"), publicApiUrl(env.get(PUBLIC_API_URL)),
                first(env, PAGE_TOKEN_SECRET_ARN), endpoint(env, "AWS_ENDPOINT_URL_SECRETS_MANAGER"));
    }

    private static String publicApiUrl(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String url = value.strip();
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        return url;
    }

    private static URI endpoint(Map<String, String> env, String name) {
        String value = first(env, name, "AWS_ENDPOINT_URL");
        return value == null || value.isBlank() ? null : URI.create(value);
    }

    private static String first(Map<String, String> env, String... names) {
        for (String name : names) {
            String v = env.get(name);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private static String required(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException(name + " is not set");
        }
        return v;
    }
}
