package dev.podidentity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.eks.EksClient;
import software.amazon.awssdk.services.eks.model.ListClustersRequest;

/**
 * The installed AWS CLI and boto3 drive the API through our service model ({@code model/}), installed the documented
 * way ({@code model/install-cli}, run from a copy of the folder as a release unpacks it) into a temporary HOME: nothing of the
 * user's AWS configuration leaks in. Without the CLI or boto3 these tests skip, except under {@code CI=true}.
 */
class AwsCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PROFILE = "podid";

    @TempDir
    static Path home;
    static LocalStack stack;
    static String aws;
    static String python;
    static String api;

    @BeforeAll
    static void setUp() throws Exception {
        Optional<Path> awsOnPath = onPath("aws");
        Optional<Path> pythonOnPath = onPath("python3");
        String missing = awsOnPath.isEmpty() ? "the AWS CLI ('aws' on PATH)"
                : pythonOnPath.isEmpty() ? "python3 on PATH" : null;
        if (missing == null && exec(List.of(pythonOnPath.get().toString(), "-c", "import boto3"), Map.of()).exit() != 0) {
            missing = "boto3 for python3";
        }
        if (missing != null) {
            String message = "AwsCliTest needs " + missing + ": pip install awscli boto3";
            if ("true".equals(System.getenv("CI"))) {
                fail(message + " (CI=true: the CLI tests may not skip)");
            }
            System.err.println("SKIPPED: " + message); // surefire does not print why a class was aborted
            Assumptions.assumeTrue(false, message);
        }
        python = pythonOnPath.get().toString();
        aws = awsOnPath.get().toString();
        stack = TestStack.get();
        api = stack.apiUrl();

        Path dotAws = Files.createDirectories(home.resolve(".aws"));
        Files.createDirectories(home.resolve("data-path"));
        Files.writeString(dotAws.resolve("config"), """
                [default]
                region = %1$s
                output = json

                [profile %2$s]
                region = %1$s
                output = json
                cli_follow_urlparam = false
                services = %2$s-endpoints

                [profile %2$s-eu]
                region = eu-west-1
                output = json
                services = %2$s-endpoints

                [services %2$s-endpoints]
                pod_identity =
                  endpoint_url = %3$s
                """.formatted(stack.region(), PROFILE, api));
        // the default profile's key is unknown to the stack; the named profile holds the admin key
        Files.writeString(dotAws.resolve("credentials"), """
                [default]
                aws_access_key_id = AKIANOTKNOWNTOTHESTACK
                aws_secret_access_key = not-a-secret

                [%1$s]
                aws_access_key_id = %2$s
                aws_secret_access_key = %3$s

                [%1$s-eu]
                aws_access_key_id = %2$s
                aws_secret_access_key = %3$s
                """.formatted(PROFILE, stack.adminCredentials().accessKeyId(), stack.adminCredentials().secretAccessKey()));

        // the documented install, from a copy of model/ outside the checkout (as a release archive unpacks it):
        // add-model writes service-2.json to ~/.aws/models/pod-identity/VERSION/, the paginators go beside it, and the
        // default profile gets cli_follow_urlparam = false
        Path release = Files.createDirectories(home.resolve("release/model"));
        for (String file : List.of("install-cli", "service-2.json", "paginators-1.json")) {
            Files.copy(ServiceModelTest.modelDirectory().resolve(file), release.resolve(file));
        }
        Result installedCli = exec(List.of("bash", release.resolve("install-cli").toString()), env(Map.of()));
        assertThat(installedCli.exit()).as(installedCli.toString()).isZero();
        String version = JSON.readTree(release.resolve("service-2.json").toFile()).get("metadata").get("apiVersion").asText();
        Path installed = home.resolve(".aws/models/pod-identity").resolve(version);
        assertThat(installed.resolve("service-2.json")).hasSameTextualContentAs(release.resolve("service-2.json"));
        assertThat(installed.resolve("paginators-1.json")).hasSameTextualContentAs(release.resolve("paginators-1.json"));
        String config = Files.readString(dotAws.resolve("config"));
        assertThat(config.substring(0, config.indexOf("[profile"))).as("the default profile after install-cli")
                .contains("cli_follow_urlparam = false");
    }

    record Result(int exit, String stdout, String stderr) {
        JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + this, e);
            }
        }

        /** The error code the CLI prints: {@code An error occurred (Code) when calling the Op operation: message}. */
        String errorCode() {
            var m = java.util.regex.Pattern.compile("An error occurred \\(([A-Za-z]+)\\) when calling the ([A-Za-z]+) operation")
                    .matcher(stderr);
            return m.find() ? m.group(1) : null;
        }
    }

    /** The admin CLI, signed with the default profile's region and the admin key (as environment variables). */
    static Result admin(String... args) throws IOException, InterruptedException {
        Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", stack.adminCredentials().accessKeyId(),
                "AWS_SECRET_ACCESS_KEY", stack.adminCredentials().secretAccessKey());
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--endpoint-url", api));
        return cli(env, all.toArray(String[]::new));
    }

    static JsonNode ok(Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
        return r.stdout().isBlank() ? JSON.createObjectNode() : r.json();
    }

    static void failsWith(Result r, String errorCode, String messagePart) {
        // AWS CLI v1 exits 255 on a service error, v2 254
        assertThat(r.exit()).as(r.toString()).isIn(254, 255);
        assertThat(r.errorCode()).as(r.stderr()).isEqualTo(errorCode);
        assertThat(r.stderr()).contains(messagePart);
    }

    @Test
    void adminLifecycle_throughTheCli() throws Exception {
        String cluster = TestStack.unique("cli");
        String role = TestStack.brokerTrustedRole(TestStack.unique("cli-role"));
        String role2 = TestStack.brokerTrustedRole(TestStack.unique("cli-role2"));
        Path jwks = Files.writeString(home.resolve(cluster + "-jwks.json"), Keys.rsaJwks("k1"));

        JsonNode registered = ok(admin("pod-identity", "register-cluster", "--cluster-name", cluster,
                "--issuer", "https://oidc.local/" + cluster, "--jwks", "file://" + jwks, "--tags", "team=platform,env=dev"))
                .get("cluster");
        assertThat(registered.get("name").asText()).isEqualTo(cluster);
        assertThat(registered.get("identity").get("oidc").get("issuer").asText()).isEqualTo("https://oidc.local/" + cluster);
        assertThat(registered.get("jwks").get("keys").get(0).get("kid").asText()).isEqualTo("k1");
        String clusterArn = registered.get("arn").asText();

        JsonNode created = ok(admin("pod-identity", "create-pod-identity-association", "--cluster-name", cluster,
                "--namespace", "default", "--service-account", "web", "--role-arn", role, "--tags", "app=web"))
                .get("association");
        String id = created.get("associationId").asText();
        String associationArn = created.get("associationArn").asText();
        assertThat(created.get("createdAt").isNumber()).as("epoch seconds on the wire, printed as-is").isTrue();
        assertThat(created.get("tags").get("app").asText()).isEqualTo("web");

        failsWith(admin("pod-identity", "create-pod-identity-association", "--cluster-name", cluster,
                "--namespace", "default", "--service-account", "web", "--role-arn", role),
                "ResourceInUseException", "Association already exists: " + id);

        JsonNode updated = ok(admin("pod-identity", "update-pod-identity-association", "--cluster-name", cluster,
                "--association-id", id, "--role-arn", role2, "--disable-session-tags")).get("association");
        assertThat(updated.get("roleArn").asText()).isEqualTo(role2);
        assertThat(updated.get("disableSessionTags").asBoolean()).isTrue();

        // tags on both kinds of ARN: the CLI percent-encodes ':' and '/' in the {resourceArn} label
        ok(admin("pod-identity", "tag-resource", "--resource-arn", associationArn, "--tags", "tier=frontend"));
        ok(admin("pod-identity", "untag-resource", "--resource-arn", clusterArn, "--tag-keys", "env"));
        JsonNode associationTags = ok(admin("pod-identity", "list-tags-for-resource", "--resource-arn", associationArn))
                .get("tags");
        assertThat(associationTags).isEqualTo(JSON.valueToTree(Map.of("app", "web", "tier", "frontend")));

        JsonNode described = ok(admin("pod-identity", "describe-pod-identity-association", "--cluster-name", cluster,
                "--association-id", id)).get("association");
        assertThat(described.get("roleArn").asText()).isEqualTo(role2);
        assertThat(described.get("tags").size()).isEqualTo(2);
        JsonNode listed = ok(admin("pod-identity", "list-pod-identity-associations", "--cluster-name", cluster,
                "--namespace", "default", "--service-account", "web"));
        assertThat(listed.get("associations")).hasSize(1);
        assertThat(listed.get("associations").get(0).get("associationId").asText()).isEqualTo(id);

        JsonNode clusterNow = ok(admin("pod-identity", "describe-cluster", "--cluster-name", cluster)).get("cluster");
        assertThat(clusterNow.get("podIdentityAssociationCount").asInt()).isEqualTo(1);
        assertThat(clusterNow.get("tags")).isEqualTo(JSON.valueToTree(Map.of("team", "platform")));
        failsWith(admin("pod-identity", "delete-cluster", "--cluster-name", cluster), "ResourceInUseException", cluster);

        assertThat(ok(admin("pod-identity", "delete-pod-identity-association", "--cluster-name", cluster,
                "--association-id", id)).get("association").get("associationId").asText()).isEqualTo(id);
        assertThat(ok(admin("pod-identity", "delete-cluster", "--cluster-name", cluster)).get("cluster").get("name")
                .asText()).isEqualTo(cluster);
        failsWith(admin("pod-identity", "describe-cluster", "--cluster-name", cluster), "ResourceNotFoundException", cluster);
    }

    @Test
    void cliPagesAutomatically_andBoto3PaginatorsAndTypedErrorsWork() throws Exception {
        String cluster = TestStack.registerCluster(TestStack.unique("cli-pages"));
        String role = TestStack.brokerTrustedRole(TestStack.unique("cli-pages-role"));
        int count = 120;
        TreeSet<String> ids = new TreeSet<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (EksClient eks = TestStack.eks()) {
            List<Future<String>> creates = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String sa = "sa-" + i;
                creates.add(pool.submit(() -> eks.createPodIdentityAssociation(r -> r.clusterName(cluster)
                        .namespace("paging").serviceAccount(sa).roleArn(role)).association().associationId()));
            }
            for (Future<String> f : creates) {
                ids.add(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdown();
        }

        // one CLI call: it follows nextToken (the server returns at most 100 per page) and prints all of them
        JsonNode all = ok(admin("pod-identity", "list-pod-identity-associations", "--cluster-name", cluster));
        TreeSet<String> listed = new TreeSet<>();
        all.get("associations").forEach(a -> listed.add(a.get("associationId").asText()));
        assertThat(all.get("associations")).hasSize(count);
        assertThat(listed).isEqualTo(ids);
        assertThat(all.has("nextToken")).isFalse();

        List<String> expectedClusters;
        try (EksClient eks = TestStack.eks()) {
            expectedClusters = eks.listClustersPaginator(ListClustersRequest.builder().build()).clusters().stream().toList();
        }

        Path script = Files.writeString(home.resolve("paging.py"), """
                import json, sys
                import boto3
                endpoint, cluster = sys.argv[1], sys.argv[2]
                client = boto3.session.Session(profile_name=sys.argv[3]).client('pod-identity', endpoint_url=endpoint)
                model = client.meta.service_model
                out = {'operations': sorted(model.operation_names), 'signingName': model.signing_name,
                       'region': client.meta.region_name, 'clientClass': type(client).__name__}
                pages = client.get_paginator('list_pod_identity_associations').paginate(
                    clusterName=cluster, PaginationConfig={'PageSize': 25})
                sizes, ids = [], []
                for page in pages:
                    sizes.append(len(page['associations']))
                    ids.extend(a['associationId'] for a in page['associations'])
                out['pageSizes'], out['ids'] = sizes, ids
                out['clusters'] = [name for page in client.get_paginator('list_clusters').paginate(
                    PaginationConfig={'PageSize': 7}) for name in page['clusters']]
                try:
                    client.describe_cluster(clusterName=cluster + '-missing')
                except client.exceptions.ResourceNotFoundException as e:
                    out['notFound'] = [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
                try:
                    client.list_pod_identity_associations(clusterName=cluster, nextToken='forged')
                except client.exceptions.InvalidParameterException as e:
                    out['badToken'] = [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
                out['createdAtType'] = type(client.describe_cluster(clusterName=cluster)['cluster']['createdAt']).__name__
                print(json.dumps(out))
                """);
        JsonNode boto = ok(exec(List.of(python, script.toString(), api, cluster, PROFILE), env(Map.of())));
        List<String> operations = new ArrayList<>();
        boto.get("operations").forEach(o -> operations.add(o.asText()));
        assertThat(operations).containsExactlyInAnyOrderElementsOf(
                dev.podidentity.handlers.Routes.ALL.stream().map(dev.podidentity.api.Route::operation).toList());
        assertThat(boto.get("signingName").asText()).isEqualTo("execute-api");
        assertThat(boto.get("region").asText()).as("the profile's region").isEqualTo(stack.region());
        assertThat(boto.get("clientClass").asText()).isEqualTo("PodIdentity");
        List<Integer> sizes = new ArrayList<>();
        boto.get("pageSizes").forEach(s -> sizes.add(s.asInt()));
        assertThat(sizes.subList(0, 4)).containsOnly(25);
        assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(count);
        TreeSet<String> botoIds = new TreeSet<>();
        boto.get("ids").forEach(i -> botoIds.add(i.asText()));
        assertThat(boto.get("ids")).hasSize(count);
        assertThat(botoIds).isEqualTo(ids);
        List<String> botoClusters = new ArrayList<>();
        boto.get("clusters").forEach(c -> botoClusters.add(c.asText()));
        assertThat(botoClusters).containsExactlyElementsOf(expectedClusters).contains(cluster);
        assertThat(boto.get("notFound").toString()).isEqualTo("[\"ResourceNotFoundException\",404]");
        assertThat(boto.get("badToken").toString()).isEqualTo("[\"InvalidParameterException\",400]");
        assertThat(boto.get("createdAtType").asText()).isEqualTo("datetime");
    }

    @Test
    void assumeRoleForPodIdentity_isUnsigned_andItsCredentialsWork() throws Exception {
        String cluster = stack.localCluster().name();
        String namespace = TestStack.unique("cli-pod").replace("cli-pod-", "clipod");
        String roleName = TestStack.unique("cli-pod-role");
        String role = TestStack.brokerTrustedRole(roleName);
        try (EksClient eks = TestStack.eks()) {
            eks.createPodIdentityAssociation(r -> r.clusterName(cluster).namespace(namespace).serviceAccount("app")
                    .roleArn(role));
        }
        String token = stack.localCluster().mint(namespace, "app", "app-pod-1", "uid-1", Duration.ofHours(1));

        // no credentials at all: an empty credentials file and none in the environment; the token is the credential
        Path noCredentials = Files.writeString(home.resolve("no-credentials"), "");
        Map<String, String> unsigned = Map.of("AWS_SHARED_CREDENTIALS_FILE", noCredentials.toString());
        Result r = cli(unsigned, "pod-identity", "assume-role-for-pod-identity", "--cluster-name", cluster,
                "--token", token, "--endpoint-url", api);
        JsonNode response = ok(r);
        assertThat(response.get("subject").get("namespace").asText()).isEqualTo(namespace);
        assertThat(response.get("assumedRoleUser").get("arn").asText()).contains(":assumed-role/" + roleName + "/");
        JsonNode credentials = response.get("credentials");

        Result bad = cli(unsigned, "pod-identity", "assume-role-for-pod-identity", "--cluster-name", cluster,
                "--token", token.substring(0, token.length() - 4) + "AAAA", "--endpoint-url", api);
        failsWith(bad, "InvalidTokenException", "");

        Result caller = cli(Map.of("AWS_SHARED_CREDENTIALS_FILE", noCredentials.toString(),
                        "AWS_ACCESS_KEY_ID", credentials.get("accessKeyId").asText(),
                        "AWS_SECRET_ACCESS_KEY", credentials.get("secretAccessKey").asText(),
                        "AWS_SESSION_TOKEN", credentials.get("sessionToken").asText()),
                "sts", "get-caller-identity", "--endpoint-url", stack.awsEndpoint());
        assertThat(ok(caller).get("Arn").asText()).startsWith("arn:aws:sts::" + stack.accountId() + ":assumed-role/" + roleName + "/");
    }

    @Test
    void namedProfiles_bringTheirCredentialsRegionAndEndpoint() throws Exception {
        // the default profile's key is unknown: refused by the gateway, typed
        failsWith(cli(Map.of(), "pod-identity", "list-clusters", "--endpoint-url", api),
                "UnrecognizedClientException", "security token");
        // --profile: its credentials, its region (in the signature's scope) and its service-specific endpoint_url
        Result withProfile = cli(Map.of(), "pod-identity", "list-clusters", "--profile", PROFILE, "--debug");
        assertThat(ok(withProfile).get("clusters").isArray()).isTrue();
        assertThat(withProfile.stderr()).contains("Credential=" + stack.adminCredentials().accessKeyId() + "/")
                .contains("/" + stack.region() + "/execute-api/aws4_request").contains(api + "/clusters");
        // a profile for another region signs for that region, which the (regional) API refuses, as API Gateway does
        failsWith(cli(Map.of(), "pod-identity", "list-clusters", "--profile", PROFILE + "-eu"),
                "InvalidSignatureException", "Credential should be scoped to a valid region");
        // AWS_PROFILE does the same
        Result viaEnvironment = cli(Map.of("AWS_PROFILE", PROFILE), "pod-identity", "list-clusters");
        assertThat(ok(viaEnvironment).get("clusters")).isEqualTo(withProfile.json().get("clusters"));
    }

    @Test
    void sessionTagsAndNamePolicy_throughTheCliAndBoto3_reachAssumeRole() throws Exception {
        String cluster = stack.localCluster().name();
        String namespace = TestStack.unique("cli-stags").replace("cli-stags-", "clistags");
        String role = TestStack.brokerTrustedRole(TestStack.unique("cli-stags-role"));
        JsonNode created = ok(admin("pod-identity", "create-pod-identity-association", "--cluster-name", cluster,
                "--namespace", namespace, "--service-account", "kafka", "--role-arn", role,
                "--session-tags", "team=payments,env=prod", "--session-name-policy", "POD")).get("association");
        assertThat(created.get("sessionTags")).isEqualTo(JSON.valueToTree(Map.of("team", "payments", "env", "prod")));
        assertThat(created.get("sessionNamePolicy").asText()).isEqualTo("POD");
        String id = created.get("associationId").asText();
        failsWith(admin("pod-identity", "update-pod-identity-association", "--cluster-name", cluster,
                "--association-id", id, "--session-tags", "eks-team=x"), "InvalidParameterException", "is reserved");

        Path script = Files.writeString(home.resolve("session-tags.py"), """
                import json, sys
                import boto3
                endpoint, cluster, association = sys.argv[1], sys.argv[2], sys.argv[3]
                client = boto3.session.Session(profile_name=sys.argv[4]).client('pod-identity', endpoint_url=endpoint)
                updated = client.update_pod_identity_association(clusterName=cluster, associationId=association,
                    sessionTags={'team': 'risk'}, sessionNamePolicy='SERVICE_ACCOUNT')['association']
                described = client.describe_pod_identity_association(clusterName=cluster,
                    associationId=association)['association']
                print(json.dumps({'updated': [updated['sessionTags'], updated['sessionNamePolicy']],
                                  'described': [described['sessionTags'], described['sessionNamePolicy']]}))
                """);
        JsonNode boto = ok(exec(List.of(python, script.toString(), api, cluster, id, PROFILE), env(Map.of())));
        assertThat(boto.get("updated").toString()).isEqualTo("[{\"team\":\"risk\"},\"SERVICE_ACCOUNT\"]");
        assertThat(boto.get("described")).isEqualTo(boto.get("updated"));

        String token = stack.localCluster().mint(namespace, "kafka", "kafka-0", "uid-0", Duration.ofHours(1));
        Path noCredentials = Files.writeString(home.resolve("no-credentials-stags"), "");
        ok(cli(Map.of("AWS_SHARED_CREDENTIALS_FILE", noCredentials.toString()), "pod-identity",
                "assume-role-for-pod-identity", "--cluster-name", cluster, "--token", token, "--endpoint-url", api));
        var calls = stack.aws().assumeRoleCalls().stream().filter(c -> c.roleArn().equals(role)).toList();
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).tags()).containsEntry("team", "risk").containsEntry("kubernetes-pod-name", "kafka-0");
        assertThat(calls.get(0).sessionName()).isEqualTo("eks-" + cluster + "-" + namespace + "-kafka");
    }

    // --- subprocesses ---

    /** The CLI with the test's HOME and config files; {@code extra} adds or overrides variables. */
    static Result cli(Map<String, String> extra, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(aws);
        command.addAll(List.of(args));
        return exec(command, env(extra));
    }

    /** The inherited environment without any AWS_ variable, HOME and the AWS files pointed into the temp HOME. */
    static Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", home.toString());
        env.put("AWS_CONFIG_FILE", home.resolve(".aws/config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", home.resolve(".aws/credentials").toString());
        env.put("AWS_DATA_PATH", home.resolve("data-path").toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_PAGER", "");
        env.putAll(extra);
        return env;
    }

    static Result exec(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (!env.isEmpty()) {
            pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
            pb.environment().putAll(env);
        }
        File out = File.createTempFile("aws-cli", ".out");
        File err = File.createTempFile("aws-cli", ".err");
        try {
            pb.redirectOutput(out).redirectError(err).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out after 120 s: " + command.get(0) + " " + command.get(1));
            }
            return new Result(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
                    Files.readString(err.toPath(), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out.toPath());
            Files.deleteIfExists(err.toPath());
        }
    }

    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
