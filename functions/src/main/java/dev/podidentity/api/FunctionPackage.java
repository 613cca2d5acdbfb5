package dev.podidentity.api;

import java.time.Duration;

/**
 * The deployment packages built from the one functions jar (see {@code functions/src/assembly}). Each leaves out the
 * SDK clients its functions never call, which also decides what a function can do.
 */
public enum FunctionPackage {
    /**
     * The lean package of the latency-critical routes: STS and metrics, no IAM client. Every AWS call is bounded
     * below the agent's (and the API server's) patience, so a hung dependency becomes a retryable answer in time.
     */
    BROKER("pod-identity-broker.zip", Duration.ofMillis(900)),
    /** The admin functions' package: the IAM client for role checks, no STS client and no metrics library. */
    ADMIN("pod-identity-functions.zip", Duration.ofSeconds(10));

    private final String fileName;
    private final Duration callTimeout;

    FunctionPackage(String fileName, Duration callTimeout) {
        this.fileName = fileName;
        this.callTimeout = callTimeout;
    }

    /** The package's file name under {@code functions/target}. */
    public String fileName() {
        return fileName;
    }

    /** Upper bound of one AWS call including retries, for functions of this package ({@code SDK_CALL_TIMEOUT_MS}). */
    public Duration callTimeout() {
        return callTimeout;
    }
}
