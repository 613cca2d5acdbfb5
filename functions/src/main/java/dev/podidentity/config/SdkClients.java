package dev.podidentity.config;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;

/** How every SDK client of an execution environment is configured: one HTTP client, credentials, time bounds. */
public final class SdkClients {
    private final SdkHttpClient http;
    private final AwsCredentialsProvider credentials;
    private final Duration callTimeout;

    SdkClients(AwsCredentialsProvider credentials, Duration callTimeout) {
        this.credentials = credentials;
        this.callTimeout = callTimeout;
        this.http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** The execution environment's one HTTP client, for the few calls made without a service client. */
    public SdkHttpClient http() {
        return http;
    }

    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    /** Applies the shared settings; {@code endpoint} null keeps the SDK's own endpoint resolution. */
    public <B extends AwsSyncClientBuilder<B, ?> & AwsClientBuilder<B, ?>> B configure(B builder, Region region, URI endpoint) {
        builder.httpClient(http)
                .region(region)
                .credentialsProvider(credentials)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallTimeout(callTimeout)
                        .apiCallAttemptTimeout(callTimeout.dividedBy(2))
                        // three quick attempts: a throttled or failing dependency is reported (429/503) within the
                        // call budget instead of being hidden behind seconds of backoff
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(3)
                                .backoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(20), Duration.ofMillis(200)))
                                .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(50), Duration.ofMillis(250)))
                                .build())
                        .build());
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder;
    }
}
