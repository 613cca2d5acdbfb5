package dev.podidentity.local;

import static dev.podidentity.local.Admission.admit;
import static dev.podidentity.local.Admission.applied;
import static dev.podidentity.local.Admission.env;
import static dev.podidentity.local.Admission.model;
import static dev.podidentity.local.Admission.pod;
import static dev.podidentity.local.Admission.review;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eks.EksClient;

/** AdmitPod through the local API Gateway over HTTP, as the API server calls it; patches applied and read as Pods. */
class AdmitPodTest {
    static final String URI_VAR = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    static final String FILE_VAR = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
    static final String MOUNT_PATH = "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount";
    static String cluster;
    static String url;
    static String role;
    static EksClient eks;

    @BeforeAll
    static void setUp() {
        TestStack.get();
        eks = TestStack.eks();
        cluster = TestStack.unique("webhook");
        JsonNode registered = Admission.register(cluster, "https://oidc.local/" + cluster, Keys.rsaJwks("k1"), null);
        url = Admission.webhookUrl(registered);
        role = TestStack.brokerTrustedRole(TestStack.unique("webhook-role"));
    }

    static void associate(String clusterName, String namespace, String serviceAccount) {
        eks.createPodIdentityAssociation(r -> r.clusterName(clusterName).namespace(namespace).serviceAccount(serviceAccount)
                .roleArn(role));
    }

    @Test
    void registration_answersTheWebhookUrl_onTheLocalApi_withA256BitKey_andNeverShowsItAgain() {
        assertThat(url).startsWith(TestStack.get().apiUrl() + "/clusters/" + cluster + "/admission/");
        String key = url.substring(url.lastIndexOf('/') + 1);
        assertThat(key).matches("[A-Za-z0-9_-]{43}");
        JsonNode again = Admission.register(cluster, "https://oidc.local/" + cluster, Keys.rsaJwks("k1"), null);
        assertThat(again.has("webhookUrl")).as("a re-registration keeps the key and does not answer it").isFalse();
        assertThat(again.path("cluster").path("podTokenLifetimeSeconds").asInt()).isEqualTo(3600);
        // ListClusters answers names only (EKS's shape); DescribeCluster shows the lifetime; neither the key nor its hash
        for (String path : List.of("/clusters/" + cluster, "/clusters?maxResults=100")) {
            ClusterApi.Response r = ClusterApi.signed("GET", path, null);
            assertThat(r.body()).contains(cluster).doesNotContain(key).doesNotContainIgnoringCase("webhookKey")
                    .doesNotContain(dev.podidentity.domain.WebhookKey.hash(key));
        }
        assertThat(ClusterApi.signed("GET", "/clusters/" + cluster, null).json().path("cluster")
                .path("podTokenLifetimeSeconds").asInt()).isEqualTo(3600);
        assertThat(admit(url, review("default", pod("{'spec':{'containers':[{'name':'a'}]}}"))).status()).isEqualTo(200);
    }

    @Test
    void publicApiUrl_fromTheEnvironment_overridesTheDerivedBase() throws Exception {
        var route = dev.podidentity.handlers.Routes.byOperation("RegisterCluster");
        Map<String, String> env = new java.util.HashMap<>(TestStack.get().functionEnvironment(route));
        env.put("PUBLIC_API_URL", "https://pods.example.com/identity/");
        var handler = dev.podidentity.handlers.Routes.handler(route, dev.podidentity.config.Composition.from(env));
        String name = TestStack.unique("custom-url");
        ObjectNode event = Admission.JSON.createObjectNode().put("httpMethod", "PUT").put("path", "/clusters/" + name)
                .put("body", "{\"issuer\":\"https://oidc.local/x\",\"jwks\":" + Keys.rsaJwks("k1") + "}");
        event.putObject("pathParameters").put("name", name);
        event.putObject("requestContext").put("domainName", "abc.execute-api.us-east-1.amazonaws.com")
                .put("path", "/prod/clusters/" + name).putObject("identity").put("userArn", "arn:aws:iam::000000000000:user/admin");
        var response = handler.respond(event);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(Admission.JSON.readTree(response.body()).path("webhookUrl").asText())
                .startsWith("https://pods.example.com/identity/clusters/" + name + "/admission/");
    }

    @Test
    void associatedPod_getsWhatEksInjects_onEveryContainerAndInitContainer() {
        associate(cluster, "shop", "checkout");
        ObjectNode pod = pod("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'checkout-1','namespace':'shop'},"
                + "'spec':{'serviceAccountName':'checkout','initContainers':[{'name':'migrate','image':'m'}],"
                + "'containers':[{'name':'app','image':'a','env':[{'name':'A','value':'1'}]},{'name':'sidecar','image':'s'}]}}");
        Admission.Answer answer = Admission.admitPatched(url, review("shop", pod));
        Pod patched = model(applied(pod, answer));
        List<Container> all = new ArrayList<>(patched.getSpec().getInitContainers());
        all.addAll(patched.getSpec().getContainers());
        assertThat(all).hasSize(3);
        for (Container c : all) {
            assertThat(env(c.getEnv())).as(c.getName())
                    .containsEntry(URI_VAR, "http://169.254.170.23/v1/credentials")
                    .containsEntry(FILE_VAR, MOUNT_PATH + "/eks-pod-identity-token");
            assertThat(c.getVolumeMounts()).as(c.getName()).singleElement().satisfies(m -> {
                assertThat(m.getName()).isEqualTo("eks-pod-identity-token");
                assertThat(m.getMountPath()).isEqualTo(MOUNT_PATH);
                assertThat(m.getReadOnly()).isTrue();
            });
        }
        // and, where a container sets no region, the cluster's (here the service's own: no region was registered)
        assertThat(env(patched.getSpec().getContainers().get(0).getEnv())).containsEntry("A", "1")
                .containsEntry("AWS_REGION", "us-east-1").containsEntry("AWS_DEFAULT_REGION", "us-east-1").hasSize(5);
        ServiceAccountTokenProjection token = tokenProjection(patched);
        assertThat(token.getAudience()).isEqualTo("pods.eks.amazonaws.com");
        assertThat(token.getExpirationSeconds()).isEqualTo(3600L);
        assertThat(token.getPath()).isEqualTo("eks-pod-identity-token");
        // the API server calls again after other webhooks changed the pod (reinvocationPolicy): nothing more to add
        ObjectNode again = review("shop", applied(pod, answer));
        Admission.Answer second = admit(url, again);
        assertThat(second.patch()).isNull();
        // a dry run is admitted the same way
        ObjectNode dry = review("shop", pod);
        ((ObjectNode) dry.path("request")).put("dryRun", true);
        assertThat(Admission.admitPatched(url, dry).patch()).isNotNull();
    }

    @Test
    void serviceAccountDefaultsToDefault_andTheNamespaceComesFromTheRequest() {
        associate(cluster, "implicit", "default");
        assertThat(Admission.admitPatched(url, review("implicit", pod("{'spec':{'containers':[{'name':'a'}]}}"))).patch())
                .isNotNull();
        assertThat(admit(url, review("other", pod("{'spec':{'containers':[{'name':'a'}]}}"))).patch()).isNull();
    }

    @Test
    void unassociatedPod_isAllowedWithoutPatch() {
        Admission.Answer answer = admit(url, review("shop", pod("{'spec':{'serviceAccountName':'nobody','containers':[{'name':'a'}]}}")));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().path("response").has("patch")).isFalse();
        assertThat(answer.body().path("response").has("patchType")).isFalse();
    }

    @Test
    void whatThePodAlreadyHas_isNeverOverwritten() {
        associate(cluster, "own", "keeps");
        ObjectNode pod = pod("{'spec':{'serviceAccountName':'keeps','containers':["
                + "{'name':'own-uri','env':[{'name':'AWS_CONTAINER_CREDENTIALS_FULL_URI','value':'http://mine/creds'}]},"
                + "{'name':'own-region','env':[{'name':'AWS_REGION','value':'ap-south-1'}]},"
                + "{'name':'plain','volumeMounts':[{'name':'mine','mountPath':'/data'}]}],"
                + "'volumes':[{'name':'mine','emptyDir':{}}]}}");
        Pod patched = model(applied(pod, Admission.admitPatched(url, review("own", pod))));
        Map<String, Container> byName = new java.util.HashMap<>();
        patched.getSpec().getContainers().forEach(c -> byName.put(c.getName(), c));
        assertThat(env(byName.get("own-uri").getEnv())).containsExactly(Map.entry(URI_VAR, "http://mine/creds"));
        assertThat(env(byName.get("own-region").getEnv())).containsEntry("AWS_REGION", "ap-south-1")
                .doesNotContainKey("AWS_DEFAULT_REGION").containsKeys(URI_VAR, FILE_VAR);
        assertThat(env(byName.get("plain").getEnv())).containsEntry("AWS_REGION", "us-east-1")
                .containsEntry("AWS_DEFAULT_REGION", "us-east-1");
        assertThat(byName.get("plain").getVolumeMounts()).extracting(VolumeMount::getName)
                .containsExactly("mine", "eks-pod-identity-token");
        assertThat(patched.getSpec().getVolumes()).extracting(Volume::getName).containsExactly("mine", "eks-pod-identity-token");
    }

    @Test
    void aPodWithItsOwnVolumeOrMountWhereTheTokenGoes_getsNoPatch_andAWarningNamingIt() {
        associate(cluster, "clash", "app");
        ObjectNode ownVolume = pod("{'spec':{'serviceAccountName':'app','containers':[{'name':'a'}],"
                + "'volumes':[{'name':'eks-pod-identity-token','emptyDir':{}}]}}");
        ObjectNode ownMount = pod("{'spec':{'serviceAccountName':'app','containers':[{'name':'a','volumeMounts':"
                + "[{'name':'mine','mountPath':'" + MOUNT_PATH + "'}]}],'volumes':[{'name':'mine','emptyDir':{}}]}}");
        Map<ObjectNode, String> expected = Map.of(ownVolume, "volume eks-pod-identity-token is the pod's own",
                ownMount, "container a mounts mine at " + MOUNT_PATH);
        expected.forEach((pod, conflict) -> {
            Admission.Answer a = admit(url, review("clash", pod));
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.patch()).as(conflict).isNull();
            assertThat(a.body().path("response").path("warnings").get(0).asText())
                    .isEqualTo("EKS Pod Identity: no AWS credentials injected: " + conflict);
        });
    }

    @Test
    void ipv6Clusters_getTheIpv6Uri_andTheirRegion_andDescribeClusterShowsBoth() {
        String name = TestStack.unique("v6");
        JsonNode registered = Admission.register(name, "https://oidc.local/" + name, Keys.rsaJwks("k1"),
                "\"ipFamily\":\"ipv6\",\"region\":\"eu-west-1\"");
        assertThat(registered.path("cluster").path("ipFamily").asText()).isEqualTo("ipv6");
        associate(name, "kube-system", "ebs-csi-controller-sa");
        ObjectNode pod = pod("{'spec':{'serviceAccountName':'ebs-csi-controller-sa','containers':[{'name':'a'}]}}");
        Pod patched = model(applied(pod, Admission.admitPatched(Admission.webhookUrl(registered), review("kube-system", pod))));
        assertThat(env(patched.getSpec().getContainers().get(0).getEnv()))
                .containsEntry(URI_VAR, "http://[fd00:ec2::23]/v1/credentials")
                .containsEntry("AWS_REGION", "eu-west-1").containsEntry("AWS_DEFAULT_REGION", "eu-west-1");
        JsonNode described = ClusterApi.signed("GET", "/clusters/" + name, null).json().path("cluster");
        assertThat(described.path("ipFamily").asText()).isEqualTo("ipv6");
        assertThat(described.path("region").asText()).isEqualTo("eu-west-1");
        ClusterApi.Response bad = ClusterApi.signed("PUT", "/clusters/" + name, "{\"issuer\":\"https://oidc.local/" + name
                + "\",\"jwks\":" + Keys.rsaJwks("k1") + ",\"ipFamily\":\"dual\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("ipFamily 'dual' is invalid: use ipv4 or ipv6");
    }

    @Test
    void theNameSnapStartPrimingUses_isRefused_400() {
        ClusterApi.Response r = ClusterApi.signed("PUT", "/clusters/snapstart-priming",
                "{\"issuer\":\"https://oidc.local/p\",\"jwks\":" + Keys.rsaJwks("k1") + "}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("'snapstart-priming' is reserved");
        assertThat(ClusterApi.signed("DELETE", "/clusters/snapstart-priming", null).status()).isEqualTo(400);
    }

    @Test
    void dataStoreFailures_andHangs_allowThePodWithoutPatch_withAWarning_withinTheBound() {
        associate(cluster, "faulty", "app");
        ObjectNode pod = pod("{'spec':{'serviceAccountName':'app','containers':[{'name':'a'}]}}");
        Admission.admitPatched(url, review("faulty", pod));
        var dynamo = TestStack.get().dynamo();
        try {
            for (var fault : List.of(dev.podidentity.local.dynamo.TransactionalDynamo.Fault.FAIL,
                    dev.podidentity.local.dynamo.TransactionalDynamo.Fault.HANG)) {
                dynamo.setHangDuration(java.time.Duration.ofSeconds(3));
                dynamo.setFault(fault, java.util.Set.of("GetItem"));
                long start = System.nanoTime();
                Admission.Answer a = admit(url, review("faulty", pod));
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertThat(a.status()).as(fault + ": " + a).isEqualTo(200);
                assertThat(a.patch()).as(fault.toString()).isNull();
                assertThat(a.body().path("response").path("warnings").toString()).contains("association lookup failed");
                assertThat(ms).as(fault + " answered within the 0.9 s bound plus overhead").isLessThan(2_500);
                dynamo.setFault(dev.podidentity.local.dynamo.TransactionalDynamo.Fault.NONE, java.util.Set.of());
            }
        } finally {
            dynamo.setFault(dev.podidentity.local.dynamo.TransactionalDynamo.Fault.NONE, java.util.Set.of());
        }
        assertThat(Admission.admitPatched(url, review("faulty", pod)).patch()).isNotNull();
    }

    @Test
    void wrongKey_unregisteredCluster_andMissingKey_are403_alike_beforeTheBodyIsRead() {
        String wrong = url.substring(0, url.lastIndexOf('/') + 1) + "A".repeat(43);
        Admission.Answer a = Admission.admit(wrong, "not even json");
        assertThat(a.status()).isEqualTo(403);
        assertThat(a.errorType()).isEqualTo("AccessDeniedException");
        String key = url.substring(url.lastIndexOf('/') + 1);
        Admission.Answer b = Admission.admit(TestStack.get().apiUrl() + "/clusters/never-registered-x/admission/" + key,
                review("shop", pod("{'spec':{'containers':[{'name':'a'}]}}")).toString());
        assertThat(b.status()).isEqualTo(403);
        assertThat(b.errorType()).isEqualTo("AccessDeniedException");
        assertThat(b.body().path("message").asText()).isEqualTo(a.body().path("message").asText()).doesNotContain(key);
        // also a Kubernetes Status, so kube-apiserver reports the message (RealWebhookProductionTest), alike for both
        assertThat(a.body().path("kind").asText()).isEqualTo("Status");
        assertThat(a.body().path("status").asText()).isEqualTo("Failure");
        assertThat(a.body().path("code").asInt()).isEqualTo(403);
        assertThat(b.body()).isEqualTo(a.body());
        Admission.Answer c = Admission.admit(url.substring(0, url.lastIndexOf('/') + 1) + "short", "{}");
        assertThat(c.status()).isEqualTo(403);
    }

    @Test
    void rotation_makesTheOldKey403_andTheNewOneWork_atOnce() {
        String name = TestStack.unique("rotate");
        String first = Admission.webhookUrl(Admission.register(name, "https://oidc.local/" + name, Keys.rsaJwks("k1"), null));
        ObjectNode review = review("shop", pod("{'spec':{'containers':[{'name':'a'}]}}"));
        assertThat(admit(first, review).status()).isEqualTo(200);
        String second = Admission.webhookUrl(Admission.register(name, "https://oidc.local/" + name, Keys.rsaJwks("k1"),
                "\"rotateWebhookKey\":true"));
        assertThat(second).isNotEqualTo(first);
        assertThat(admit(second, review).status()).isEqualTo(200);
        assertThat(admit(first, review).status()).isEqualTo(403);
        assertThat(Admission.register(name, "https://oidc.local/" + name, Keys.rsaJwks("k1"), "\"rotateWebhookKey\":false")
                .has("webhookUrl")).isFalse();
        assertThat(admit(second, review).status()).isEqualTo(200);
    }

    @Test
    void malformedReviews_are400_sayingWhat_withTheUidEchoedWhenReadable() {
        ObjectNode good = review("shop", pod("{'spec':{'containers':[{'name':'a'}]}}"));
        String uid = good.path("request").path("uid").asText();
        expect400("", null, "empty");
        expect400("not json", null, "not valid JSON");
        expect400("[1,2]", null, "AdmissionReview object");
        expect400("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", null, "request is required");
        ObjectNode noUid = good.deepCopy();
        ((ObjectNode) noUid.path("request")).remove("uid");
        expect400(noUid.toString(), null, "request.uid");
        ObjectNode v1beta1 = good.deepCopy().put("apiVersion", "admission.k8s.io/v1beta1");
        expect400(v1beta1.toString(), uid, "admissionReviewVersions");
        ObjectNode update = good.deepCopy();
        ((ObjectNode) update.path("request")).put("operation", "UPDATE");
        expect400(update.toString(), uid, "only CREATE");
        ObjectNode deployment = good.deepCopy();
        ((ObjectNode) deployment.path("request").path("kind")).put("group", "apps").put("kind", "Deployment");
        expect400(deployment.toString(), uid, "only Pods");
        ObjectNode noContainers = good.deepCopy();
        ((ObjectNode) noContainers.path("request")).set("object", pod("{'spec':{}}"));
        // only an associated service account's pod is patched, so an unassociated malformed pod passes unread;
        // an associated one says what is wrong
        associate(cluster, "broken", "default");
        ((ObjectNode) noContainers.path("request")).put("namespace", "broken");
        expect400(noContainers.toString(), uid, "request.object.spec.containers");
        ObjectNode badNamespace = good.deepCopy();
        ((ObjectNode) badNamespace.path("request")).put("namespace", "Not_A_Namespace");
        expect400(badNamespace.toString(), uid, "namespace");
        // larger than any pod etcd can hold: refused with a 400, not a gateway error
        ObjectNode huge = good.deepCopy();
        ((ObjectNode) huge.path("request").path("object")).putObject("metadata").putObject("annotations")
                .put("big", "x".repeat(2 * 1024 * 1024 + 1));
        expect400(huge.toString(), null, "larger than");
    }

    static void expect400(String body, String uid, String messagePart) {
        Admission.Answer a = Admission.admit(url, body);
        assertThat(a.status()).as(body.length() > 200 ? body.substring(0, 200) : body).isEqualTo(400);
        assertThat(a.errorType()).isEqualTo("InvalidRequestException");
        assertThat(a.body().path("message").asText()).contains(messagePart);
        if (uid != null) {
            assertThat(a.uid()).isEqualTo(uid);
            assertThat(a.allowed()).isFalse();
        }
    }

    @Test
    void expirationSeconds_followsTheClustersSetting_andReRegistrationKeepsIt() {
        String name = TestStack.unique("lifetime");
        JsonNode r = Admission.register(name, "https://oidc.local/" + name, Keys.rsaJwks("k1"), "\"podTokenLifetimeSeconds\":7200");
        assertThat(r.path("cluster").path("podTokenLifetimeSeconds").asInt()).isEqualTo(7200);
        String hook = Admission.webhookUrl(r);
        associate(name, "ns", "sa");
        ObjectNode pod = pod("{'spec':{'serviceAccountName':'sa','containers':[{'name':'a'}]}}");
        assertThat(tokenProjection(model(applied(pod, Admission.admitPatched(hook, review("ns", pod))))).getExpirationSeconds())
                .isEqualTo(7200L);
        JsonNode kept = Admission.register(name, "https://oidc.local/" + name, Keys.rsaJwks("k1"), null);
        assertThat(kept.path("cluster").path("podTokenLifetimeSeconds").asInt()).isEqualTo(7200);
        JsonNode changed = Admission.register(name, "https://oidc.local/" + name, Keys.rsaJwks("k1"), "\"podTokenLifetimeSeconds\":600");
        assertThat(changed.path("cluster").path("podTokenLifetimeSeconds").asInt()).isEqualTo(600);
        assertThat(ClusterApi.signed("GET", "/clusters/" + name, null).json().path("cluster").path("podTokenLifetimeSeconds")
                .asInt()).isEqualTo(600);
        for (String bad : List.of("599", "172801", "3607", "\"3600\"", "3600.5", "true")) {
            ClusterApi.Response refused = ClusterApi.signed("PUT", "/clusters/" + name, "{\"issuer\":\"https://oidc.local/"
                    + name + "\",\"jwks\":" + Keys.rsaJwks("k1") + ",\"podTokenLifetimeSeconds\":" + bad + "}");
            assertThat(refused.status()).as(bad).isEqualTo(400);
            assertThat(refused.errorType()).as(bad).isEqualTo("InvalidParameterException");
            assertThat(refused.json().path("message").asText()).as(bad).contains("podTokenLifetimeSeconds");
        }
        assertThat(Admission.register(name, "https://oidc.local/" + name, Keys.rsaJwks("k1"),
                "\"podTokenLifetimeSeconds\":172800").path("cluster").path("podTokenLifetimeSeconds").asInt()).isEqualTo(172800);
    }

    @Test
    void readiness_anAssociationCreatedJustBefore_alwaysPatchesThePod() {
        String name = TestStack.unique("ready");
        String hook = Admission.webhookUrl(Admission.register(name, "https://oidc.local/" + name, Keys.rsaJwks("k1"), null));
        for (int i = 0; i < 50; i++) {
            String sa = "fresh-" + i;
            associate(name, "ready", sa);
            ObjectNode pod = pod("{'spec':{'serviceAccountName':'" + sa + "','containers':[{'name':'a'}]}}");
            assertThat(Admission.admitPatched(hook, review("ready", pod)).patch()).as("pod of " + sa).isNotNull();
        }
    }

    @Test
    void webhookIdentities_areEveryAssociatedServiceAccount_sortedOnce_inTheStockWebhooksFileFormat() throws Exception {
        String name = TestStack.unique("ids");
        Admission.register(name, "https://oidc.local/" + name, Keys.rsaJwks("k1"), null);
        // more than one page of the store (100), created through the store for speed
        var store = dev.podidentity.config.Composition.from(TestStack.get()
                .functionEnvironment(dev.podidentity.handlers.Routes.byOperation("GetWebhookIdentities"))).store();
        java.time.Instant now = java.time.Instant.now();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 105; i++) {
            String ns = i % 2 == 0 ? "zeta" : "alpha";
            String sa = String.format("sa-%03d", 104 - i);
            String id = String.format("a-ids%014d", i);
            store.createAssociation(new dev.podidentity.domain.Association(name, ns, sa, role,
                    "arn:aws:eks:us-east-1:000000000000:podidentityassociation/" + name + "/" + id, id, Map.of(), now, now,
                    null, false, null, null, null, 1), null);
            expected.add(ns + "/" + sa);
        }
        expected.sort(null);
        ClusterApi.Response r = ClusterApi.signed("GET", "/clusters/" + name + "/webhook-identities", null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<String> got = new ArrayList<>();
        r.json().path("identities").forEach(i -> {
            assertThat(i.size()).as("only namespace and serviceAccount").isEqualTo(2);
            got.add(i.path("namespace").asText() + "/" + i.path("serviceAccount").asText());
        });
        assertThat(got).isEqualTo(expected);
        ClusterApi.Response missing = ClusterApi.signed("GET", "/clusters/no-such-cluster-x/webhook-identities", null);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.errorType()).isEqualTo("ResourceNotFoundException");
        ClusterApi.Response empty = ClusterApi.signed("GET", "/clusters/" + TestStack.registerCluster(TestStack.unique("none"))
                + "/webhook-identities", null);
        assertThat(empty.body()).isEqualTo("{\"identities\":[]}");
        java.net.http.HttpResponse<String> unsigned = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(TestStack.get().apiUrl() + "/clusters/" + name
                        + "/webhook-identities")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(unsigned.statusCode()).as("AWS_IAM route").isEqualTo(403);
    }

    /**
     * The whole pod path without a cluster: the webhook patches the pod; everything the pod's SDK needs is then taken
     * from the patched pod alone (the Kubernetes model): the token file path from the mount and the projection, the
     * two variables from the container's env. The kubelet's part is played by writing a token the local cluster
     * minted (for the projection's expirationSeconds) under a temporary root at the mapped path. There is no link-local
     * address here, so 169.254.170.23 in the injected URI is replaced by the local agent's address — the only value
     * not taken from the pod.
     */
    @Test
    void thePatchedPodsEnvironment_alone_getsTheAssociatedRolesCredentials_throughTheAgent() throws Exception {
        LocalStack stack = TestStack.get();
        String local = stack.localCluster().name();
        String hook = Admission.webhookUrl(Admission.register(local, dev.podidentity.local.agent.LocalCluster.ISSUER,
                stack.localCluster().jwks(), "\"rotateWebhookKey\":true"));
        String roleName = TestStack.unique("webhook-pod-role");
        String podRole = TestStack.brokerTrustedRole(roleName);
        String ns = "hooked" + ProcessHandle.current().pid();
        eks.createPodIdentityAssociation(r -> r.clusterName(local).namespace(ns).serviceAccount("reports").roleArn(podRole));
        ObjectNode pod = pod("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'reports-5d8f','namespace':'" + ns + "',"
                + "'uid':'9c1d-uid'},'spec':{'serviceAccountName':'reports','containers':[{'name':'app','image':'a'}]}}");
        Pod patched = model(applied(pod, Admission.admitPatched(hook, review(ns, pod))));

        Container app = patched.getSpec().getContainers().get(0);
        Map<String, String> env = env(app.getEnv());
        String tokenFile = env.get(FILE_VAR);
        VolumeMount mount = app.getVolumeMounts().stream().filter(m -> tokenFile.startsWith(m.getMountPath() + "/"))
                .findFirst().orElseThrow();
        Volume volume = patched.getSpec().getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
                .findFirst().orElseThrow();
        ServiceAccountTokenProjection projection = volume.getProjected().getSources().get(0).getServiceAccountToken();
        assertThat(mount.getMountPath() + "/" + projection.getPath()).isEqualTo(tokenFile);
        assertThat(projection.getAudience()).isEqualTo("pods.eks.amazonaws.com");

        java.nio.file.Path root = java.nio.file.Files.createTempDirectory("pod-root");
        java.nio.file.Path file = root.resolve(tokenFile.substring(1));
        java.nio.file.Files.createDirectories(file.getParent());
        java.nio.file.Files.writeString(file, stack.localCluster().mint(ns, "reports", "reports-5d8f", "9c1d-uid",
                java.time.Duration.ofSeconds(projection.getExpirationSeconds())));
        URI injected = URI.create(env.get(URI_VAR));
        assertThat(injected.getHost()).isEqualTo("169.254.170.23");
        URI agent = URI.create(stack.agentCredentialsUri());
        String fullUri = new URI(injected.getScheme(), null, agent.getHost(), agent.getPort(), injected.getPath(), null, null).toString();

        software.amazon.awssdk.auth.credentials.AwsCredentials creds;
        System.setProperty("aws.containerCredentialsFullUri", fullUri);
        System.setProperty("aws.containerAuthorizationTokenFile", file.toString());
        try (var provider = software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider.builder().build()) {
            creds = provider.resolveCredentials();
        } finally {
            System.clearProperty("aws.containerCredentialsFullUri");
            System.clearProperty("aws.containerAuthorizationTokenFile");
        }
        try (var sts = software.amazon.awssdk.services.sts.StsClient.builder().endpointOverride(URI.create(stack.awsEndpoint()))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(creds))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
            assertThat(sts.getCallerIdentity().arn()).startsWith("arn:aws:sts::000000000000:assumed-role/" + roleName
                    + "/eks-" + local + "-reports-5d8f-");
        }
    }

    static ServiceAccountTokenProjection tokenProjection(Pod pod) {
        Volume v = pod.getSpec().getVolumes().stream().filter(x -> x.getName().equals("eks-pod-identity-token")).findFirst()
                .orElseThrow();
        assertThat(v.getProjected().getSources()).hasSize(1);
        return v.getProjected().getSources().get(0).getServiceAccountToken();
    }
}
