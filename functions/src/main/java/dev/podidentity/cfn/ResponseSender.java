package dev.podidentity.cfn;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * PUTs the response to CloudFormation's pre-signed S3 URL with the JDK's client (no SDK, no extra jar). The URL is a
 * credential for that one object: it is never logged. No Content-Type: the URL is signed without one.
 */
public final class ResponseSender {
    static final int ATTEMPTS = 3;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();

    /** Sends {@code body}; answers the status S3 gave, after up to {@value #ATTEMPTS} attempts on errors. */
    public int send(String responseUrl, String body) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(responseUrl))
                .timeout(Duration.ofSeconds(10))
                .PUT(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        IOException last = null;
        int status = 0;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status < 500) {
                    return status;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(200L * attempt);
        }
        if (last != null && status == 0) {
            throw new IllegalStateException("Could not send the response to CloudFormation: " + last.getMessage(), last);
        }
        return status;
    }
}
