package dev.podidentity.local.aws;

import dev.podidentity.local.Http;

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

/**
 * Verifies AWS Signature Version 4 on a received request the way AWS front ends do: parse the Authorization header,
 * check scope, clock skew and credentials, then recompute the signature over the request exactly as received
 * (canonical request per the SigV4 specification, non-S3 rules) and compare in constant time. Failures carry AWS's
 * error type and message. The SDK's own signer is not used for the recomputation because it always adds and signs
 * {@code x-amz-content-sha256}, which curl, botocore and other clients do not send; tests prove that signatures
 * made by the SDK's signer and by curl are both accepted.
 */
public final class SigV4Verifier {
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final Duration SKEW = Duration.ofMinutes(5);

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
        return verify(request, services, null);
    }

    /**
     * As {@link #verify(Request, Set)}, and the credential scope must name {@code region} (when not null), as a
     * regional endpoint such as API Gateway's requires: a signature for another region is refused before the
     * signature is even computed.
     */
    public Verified verify(Request request, Set<String> services, String requiredRegion) {
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
        if (requiredRegion != null && !requiredRegion.equals(region)) {
            throw SigV4Exception.invalid("Credential should be scoped to a valid region. ");
        }
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
        String expected = expectedAuthorization(request, signed, creds, region, service, signedAt);
        String expectedSignature = expected.substring(expected.indexOf("Signature=") + 10);
        if (!MessageDigest.isEqual(expectedSignature.getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII))) {
            throw SigV4Exception.invalid("The request signature we calculated does not match the signature you provided."
                    + " Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        }
        return new Verified(creds, region, service);
    }

    /** The Authorization header a client holding {@code creds} would have sent for this request (SigV4, non-S3 rules). */
    static String expectedAuthorization(Request request, Set<String> signed, Principal.Credentials creds,
                                        String region, String service, Instant signedAt) {
        String amzDate = AMZ_DATE.format(signedAt.atOffset(ZoneOffset.UTC));
        String scope = amzDate.substring(0, 8) + "/" + region + "/" + service + "/aws4_request";
        StringBuilder canonical = new StringBuilder()
                .append(request.method()).append('\n')
                .append(canonicalUri(request.rawPath())).append('\n')
                .append(canonicalQuery(request.rawQuery())).append('\n');
        for (String name : signed) {
            List<String> values = new ArrayList<>();
            for (Map.Entry<String, List<String>> e : request.headers().entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    e.getValue().forEach(v -> values.add(v.trim().replaceAll(" +", " ")));
                }
            }
            canonical.append(name).append(':').append(String.join(",", values)).append('\n');
        }
        canonical.append('\n').append(String.join(";", signed)).append('\n').append(hex(sha256(request.body())));
        String stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + creds.secretAccessKey()).getBytes(StandardCharsets.UTF_8), amzDate.substring(0, 8));
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        return "AWS4-HMAC-SHA256 Credential=" + creds.accessKeyId() + "/" + scope + ", SignedHeaders="
                + String.join(";", signed) + ", Signature=" + hex(hmac(key, stringToSign));
    }

    /**
     * The canonical URI for non-S3 services: the path exactly as received (still percent-encoded), dot segments
     * removed, each segment URI-encoded once more. An SDK's {@code arn%3Aaws...%2Fdemo} becomes
     * {@code arn%253Aaws...%252Fdemo}; a raw {@code arn:aws:...:cluster/demo} becomes {@code arn%3Aaws...%3Acluster/demo}.
     */
    static String canonicalUri(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        String normalized = java.net.URI.create("http://h" + rawPath.replace(" ", "%20")).normalize().getRawPath();
        StringBuilder out = new StringBuilder();
        for (String segment : normalized.split("/", -1)) {
            if (!out.isEmpty() || normalized.startsWith("/")) {
                out.append('/');
            }
            out.append(encode(segment));
        }
        String result = out.toString();
        return result.startsWith("//") ? result.substring(1) : result;
    }

    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (Map.Entry<String, String> pair : Http.queryPairs(rawQuery, Http.Plus.LITERAL)) {
            pairs.add(new String[] {encode(pair.getKey()), encode(pair.getValue())});
        }
        pairs.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        StringBuilder out = new StringBuilder();
        for (String[] p : pairs) {
            if (!out.isEmpty()) {
                out.append('&');
            }
            out.append(p[0]).append('=').append(p[1]);
        }
        return out.toString();
    }

    /** RFC 3986 encoding of everything but the unreserved characters, as SigV4 wants. */
    private static String encode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return java.util.HexFormat.of().formatHex(bytes);
    }
}
