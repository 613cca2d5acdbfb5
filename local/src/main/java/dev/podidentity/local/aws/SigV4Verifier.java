package dev.podidentity.local.aws;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * Verifies AWS Signature Version 4 on a received request the way AWS front ends do: parse the Authorization header,
 * check scope, clock skew and credentials, then recompute the signature with the AWS SDK's own signer over the
 * request exactly as received and compare. Failures carry AWS's error type and message.
 */
public final class SigV4Verifier {
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final Duration SKEW = Duration.ofMinutes(5);
    private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();

    private final CredentialStore credentials;
    private final Clock clock;

    public SigV4Verifier(CredentialStore credentials, Clock clock) {
        this.credentials = credentials;
        this.clock = clock;
    }

    /** The received request: header names in any case; {@code rawPath} and {@code rawQuery} still percent-encoded. */
    public record Request(String method, String host, String rawPath, String rawQuery, Map<String, List<String>> headers,
                          byte[] body) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    /** What a verified signature tells: whose credentials, and the scope they were used in. */
    public record Verified(Principal.Credentials credentials, String region, String service) {
    }

    public Verified verify(Request request, Set<String> services) {
        String authorization = request.header("Authorization");
        if (authorization == null) {
            throw SigV4Exception.missingToken();
        }
        if (!authorization.startsWith("AWS4-HMAC-SHA256 ")) {
            throw SigV4Exception.incomplete("Authorization header requires 'Credential' parameter. Authorization header"
                    + " requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."
                    + " Authorization=" + authorization.split(" ")[0]);
        }
        String credential = null;
        String signedHeaders = null;
        String signature = null;
        for (String part : authorization.substring("AWS4-HMAC-SHA256 ".length()).split(",")) {
            String p = part.trim();
            if (p.startsWith("Credential=")) {
                credential = p.substring("Credential=".length());
            } else if (p.startsWith("SignedHeaders=")) {
                signedHeaders = p.substring("SignedHeaders=".length());
            } else if (p.startsWith("Signature=")) {
                signature = p.substring("Signature=".length());
            }
        }
        List<String> missing = new ArrayList<>();
        if (credential == null) {
            missing.add("Authorization header requires 'Credential' parameter.");
        }
        if (signature == null) {
            missing.add("Authorization header requires 'Signature' parameter.");
        }
        if (signedHeaders == null) {
            missing.add("Authorization header requires 'SignedHeaders' parameter.");
        }
        if (!missing.isEmpty()) {
            throw SigV4Exception.incomplete(String.join(" ", missing));
        }
        String[] scope = credential.split("/");
        if (scope.length != 5 || !"aws4_request".equals(scope[4])) {
            throw SigV4Exception.incomplete("Credential should be scoped to a valid region, service and aws4_request"
                    + " terminator. Credential=" + credential.replaceAll("^[^/]*", "<key>"));
        }
        String accessKey = scope[0];
        String scopeDate = scope[1];
        String region = scope[2];
        String service = scope[3];
        if (!services.contains(service)) {
            throw SigV4Exception.invalid("Credential should be scoped to correct service: '" + String.join("' or '", services) + "'. ");
        }
        String amzDate = request.header("X-Amz-Date");
        if (amzDate == null) {
            throw SigV4Exception.incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }
        Instant signedAt;
        try {
            signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw SigV4Exception.incomplete("Date must be in ISO-8601 'basic format'. Got '" + amzDate + "'.");
        }
        Instant now = clock.instant();
        if (signedAt.isBefore(now.minus(SKEW))) {
            throw SigV4Exception.invalid("Signature expired: " + amzDate + " is now earlier than "
                    + AMZ_DATE.format(now.minus(SKEW).atOffset(ZoneOffset.UTC)) + " ("
                    + AMZ_DATE.format(now.atOffset(ZoneOffset.UTC)) + " - 5 min.)");
        }
        if (signedAt.isAfter(now.plus(SKEW))) {
            throw SigV4Exception.invalid("Signature not yet current: " + amzDate + " is still later than "
                    + AMZ_DATE.format(now.plus(SKEW).atOffset(ZoneOffset.UTC)) + " ("
                    + AMZ_DATE.format(now.atOffset(ZoneOffset.UTC)) + " + 5 min.)");
        }
        if (!amzDate.startsWith(scopeDate)) {
            throw SigV4Exception.invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"
                    + scopeDate + "' != '" + amzDate.substring(0, 8) + "', from '" + amzDate + "'.");
        }
        Principal.Credentials creds = credentials.find(accessKey).orElseThrow(SigV4Exception::unrecognized);
        String token = request.header("X-Amz-Security-Token");
        if (creds.sessionToken() != null || token != null) {
            if (creds.sessionToken() == null || token == null
                    || !MessageDigest.isEqual(creds.sessionToken().getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
                throw SigV4Exception.unrecognized();
            }
        }
        if (creds.expiration() != null && !now.isBefore(creds.expiration())) {
            throw SigV4Exception.expired();
        }
        Set<String> signed = new TreeSet<>(Arrays.asList(signedHeaders.toLowerCase().split(";")));
        if (!signed.contains("host")) {
            throw SigV4Exception.invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        }
        String expected = expectedSignature(request, signed, creds, region, service, signedAt);
        String expectedSignedHeaders = expected.substring(expected.indexOf("SignedHeaders=") + 14, expected.indexOf(','
                , expected.indexOf("SignedHeaders=")));
        String expectedSignature = expected.substring(expected.indexOf("Signature=") + 10);
        if (!expectedSignedHeaders.equals(String.join(";", signed))
                || !MessageDigest.isEqual(expectedSignature.getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII))) {
            throw SigV4Exception.invalid("The request signature we calculated does not match the signature you provided."
                    + " Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        }
        return new Verified(creds, region, service);
    }

    private static String expectedSignature(Request request, Set<String> signed, Principal.Credentials creds,
                                            String region, String service, Instant signedAt) {
        String host = request.host();
        int port = -1;
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            port = Integer.parseInt(host.substring(colon + 1));
            host = host.substring(0, colon);
        }
        SdkHttpRequest.Builder http = SdkHttpRequest.builder()
                .method(SdkHttpMethod.fromValue(request.method()))
                .protocol("http")
                .host(host)
                .encodedPath(request.rawPath().isEmpty() ? "/" : request.rawPath());
        if (port > 0) {
            http.port(port);
        }
        for (Map.Entry<String, List<String>> e : request.headers().entrySet()) {
            if (signed.contains(e.getKey().toLowerCase())) {
                http.putHeader(e.getKey(), e.getValue());
            }
        }
        if (request.rawQuery() != null && !request.rawQuery().isEmpty()) {
            for (String pair : request.rawQuery().split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                http.appendRawQueryParameter(name, value);
            }
        }
        AwsCredentialsIdentity identity = creds.sessionToken() == null
                ? AwsCredentialsIdentity.create(creds.accessKeyId(), creds.secretAccessKey())
                : AwsSessionCredentialsIdentity.create(creds.accessKeyId(), creds.secretAccessKey(), creds.sessionToken());
        SignedRequest result = SIGNER.sign(r -> r.identity(identity)
                .request(http.build())
                .payload(ContentStreamProvider.fromByteArray(request.body()))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC)));
        return result.request().firstMatchingHeader("Authorization").orElse("");
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
