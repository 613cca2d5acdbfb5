package dev.podidentity.local.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * A pod's side of the node agent, run inside a {@link NetNs} (the only place the agent's address exists) as a child
 * JVM whose answer, one JSON object per line on stdout, the caller reads ({@link #run}). Modes:
 * <ul>
 * <li>{@code sdk STS_ENDPOINT REGION}: the AWS SDK for Java's {@link ContainerCredentialsProvider}, configured only
 * by the pod's {@code AWS_CONTAINER_CREDENTIALS_FULL_URI} and {@code AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE}, signs
 * STS GetCallerIdentity: prints {@code {"arn":...}} (or {@code {"error":...}});</li>
 * <li>{@code fetch URL TOKEN_FILE...}: one raw {@code GET URL} per token with it in {@code Authorization}: prints
 * {@code {"status","contentType","body"}} per token;</li>
 * <li>{@code time URL TOKEN_FILE...}: the same requests, prints {@code {"status","micros"}} per token.</li>
 * </ul>
 * Never prints credentials: only the caller's ARN, statuses, error bodies and access key ids.
 */
public final class AgentClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AgentClient() {
    }

    /** Runs a mode inside {@code ns} with {@code env}; answers the printed objects. */
    public static List<JsonNode> run(NetNs ns, Map<String, String> env, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(ChildJava.command(AgentClient.class));
        command.addAll(args);
        Proc.Result result = ns.run(command, env, Duration.ofSeconds(60));
        if (!result.ok()) {
            throw new IllegalStateException("AgentClient " + args.get(0) + " failed: " + result.stderr() + result.stdout());
        }
        List<JsonNode> out = new ArrayList<>();
        for (String line : result.stdout().split("\n")) {
            if (line.startsWith("{")) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "sdk" -> sdk(args[1], args[2]);
            case "fetch", "time" -> fetch(args[0].equals("time"), args[1], List.of(args).subList(2, args.length));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static void sdk(String stsEndpoint, String region) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        try (StsClient sts = StsClient.builder().endpointOverride(URI.create(stsEndpoint)).region(Region.of(region))
                .credentialsProvider(ContainerCredentialsProvider.builder().build())
                .httpClient(UrlConnectionHttpClient.create()).build()) {
            out.put("arn", sts.getCallerIdentity().arn());
        } catch (RuntimeException e) {
            out.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        System.out.println(JSON.writeValueAsString(out));
    }

    private static void fetch(boolean timed, String url, List<String> tokenFiles) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        for (String file : tokenFiles) {
            String token = Files.readString(Path.of(file)).strip();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
            if (!token.isEmpty()) {
                request.header("Authorization", token);
            }
            long start = System.nanoTime();
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            long micros = (System.nanoTime() - start) / 1000;
            ObjectNode out = JSON.createObjectNode().put("status", r.statusCode());
            if (timed) {
                out.put("micros", micros);
            } else {
                out.put("contentType", r.headers().firstValue("Content-Type").orElse(""));
                // a 200 carries credentials: keep only the shape and the key id
                if (r.statusCode() == 200) {
                    JsonNode body = JSON.readTree(r.body());
                    ObjectNode shape = out.putObject("json");
                    body.properties().forEach(p -> shape.put(p.getKey(), p.getKey().equals("AccessKeyId")
                            || p.getKey().equals("Expiration") || p.getKey().equals("AccountId") ? p.getValue().asText() : "***"));
                } else {
                    out.put("body", r.body());
                }
            }
            System.out.println(JSON.writeValueAsString(out));
        }
    }
}
