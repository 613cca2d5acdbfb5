package dev.podidentity.service;

import com.nimbusds.jose.jwk.JWKSet;
import dev.podidentity.domain.Association;
import dev.podidentity.domain.CheckStatus;
import dev.podidentity.domain.Cluster;
import dev.podidentity.domain.ClusterName;
import dev.podidentity.domain.DiagnosticCheck;
import dev.podidentity.domain.DiagnosticStep;
import dev.podidentity.domain.PodClaims;
import dev.podidentity.domain.PodDeletion;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.RoleArn;
import dev.podidentity.domain.RoleInspector;
import dev.podidentity.domain.Subject;
import dev.podidentity.domain.SubjectBinding;
import dev.podidentity.domain.Text;
import dev.podidentity.service.admission.PodPatch;
import dev.podidentity.service.token.PodTokenVerifier;
import dev.podidentity.service.token.TokenCheck;
import dev.podidentity.service.token.TokenInspection;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * "Why does my pod get no credentials?": every check on the credential path, in order, each reported (nothing stops
 * at the first problem), the first failure marked. Token checks are the broker's own ({@link PodTokenVerifier#inspect}),
 * role checks the create-time rules ({@link RoleInspector}); it reads the table and IAM and never mints credentials.
 * The token is never echoed: details name its claims, never its text.
 */
public final class DiagnosisService {
    static final String FULL_URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    static final String TOKEN_FILE = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
    private static final List<DiagnosticCheck> TOKEN_STEPS = List.of(DiagnosticCheck.TOKEN_PARSES,
            DiagnosticCheck.TOKEN_ALGORITHM, DiagnosticCheck.TOKEN_HEADER, DiagnosticCheck.TOKEN_KEY_ID,
            DiagnosticCheck.TOKEN_SIGNATURE, DiagnosticCheck.TOKEN_ISSUER, DiagnosticCheck.TOKEN_AUDIENCE,
            DiagnosticCheck.TOKEN_CLAIMS, DiagnosticCheck.TOKEN_EXPIRY, DiagnosticCheck.TOKEN_NOT_BEFORE,
            DiagnosticCheck.TOKEN_LIFETIME, DiagnosticCheck.TOKEN_SUBJECT_CLAIMS, DiagnosticCheck.TOKEN_SERVICE_ACCOUNT);
    private static final List<DiagnosticCheck> ROLE_STEPS = List.of(DiagnosticCheck.ROLE_EXISTS,
            DiagnosticCheck.ROLE_TRUSTS_BROKER, DiagnosticCheck.BROKER_MAY_ASSUME_ROLE, DiagnosticCheck.TARGET_ROLE);

    /**
     * @param token          the pod's projected token, or null
     * @param podCreatedAt   when the pod was created, or null
     * @param podEnvironment the names of the pod's environment variables, or null; an entry NAME=VALUE also has the
     *                       value checked
     * @param pod            the Pod itself (kubectl get pod -o json), or null: its variables and values, and what of
     *                       its own stands where the token goes
     */
    public record Request(String clusterName, String namespace, String serviceAccount, String token,
                          Instant podCreatedAt, List<String> podEnvironment, com.fasterxml.jackson.databind.JsonNode pod) {
        public Request(String clusterName, String namespace, String serviceAccount, String token, Instant podCreatedAt,
                       List<String> podEnvironment) {
            this(clusterName, namespace, serviceAccount, token, podCreatedAt, podEnvironment, null);
        }
    }

    /** The steps in order; healthy when none failed (skipped steps were not checked). */
    public record Diagnosis(List<DiagnosticStep> steps) {
        public Diagnosis {
            steps = List.copyOf(steps);
        }

        public Optional<DiagnosticStep> firstFailure() {
            return steps.stream().filter(s -> s.status() == CheckStatus.FAIL).findFirst();
        }

        public boolean healthy() {
            return firstFailure().isEmpty();
        }
    }

    private final PodIdentityStore store;
    private final RoleInspector roles;
    private final Clock clock;

    public DiagnosisService(PodIdentityStore store, RoleInspector roles, Clock clock) {
        this.store = store;
        this.roles = roles;
        this.clock = clock;
    }

    public Diagnosis diagnose(Request request) {
        String cluster = new ClusterName(request.clusterName()).value();
        Subject subject = new Subject(request.namespace(), request.serviceAccount());
        List<DiagnosticStep> steps = new ArrayList<>();

        Cluster registered = store.findCluster(cluster).orElse(null);
        if (registered == null) {
            steps.add(DiagnosticStep.fail(DiagnosticCheck.CLUSTER_REGISTERED, "Cluster " + cluster
                    + " is not registered with this service", "Register it with its issuer and keys: PUT /clusters/"
                    + cluster + " {\"issuer\": ..., \"jwks\": $(kubectl get --raw /openid/v1/jwks)}, and check the agent's"
                    + " --cluster-name"));
        } else {
            steps.add(DiagnosticStep.pass(DiagnosticCheck.CLUSTER_REGISTERED, "Cluster " + cluster
                    + " is registered with issuer " + registered.issuer()));
        }
        PodClaims pod = tokenSteps(steps, request, subject, registered);
        steps.add(podNotDeleted(cluster, pod));

        SubjectBinding binding = store.findBinding(cluster, subject.namespace(), subject.serviceAccount()).orElse(null);
        Association association = binding == null ? null
                : store.findAssociation(cluster, binding.associationId()).orElse(null);
        if (binding == null) {
            steps.add(DiagnosticStep.fail(DiagnosticCheck.ASSOCIATION_EXISTS, "No Pod Identity Association found for service"
                    + " account " + subject.serviceAccount() + " in namespace " + subject.namespace() + " of cluster " + cluster,
                    "Create one: CreatePodIdentityAssociation (POST /clusters/" + cluster + "/pod-identity-associations)"
                            + " with namespace " + subject.namespace() + ", serviceAccount " + subject.serviceAccount()
                            + " and a roleArn that trusts the credential broker"));
            ROLE_STEPS.forEach(c -> steps.add(DiagnosticStep.skip(c, "Not checked: there is no association")));
        } else {
            steps.add(DiagnosticStep.pass(DiagnosticCheck.ASSOCIATION_EXISTS, "Association " + binding.associationId()
                    + " binds " + subject.namespace() + "/" + subject.serviceAccount() + " to " + binding.roleArn()
                    + sessionSummary(binding)));
            steps.addAll(roles.inspect(RoleArn.parse("roleArn", binding.roleArn()), !binding.disableSessionTags(),
                    binding.targetRoleArn() == null ? null : RoleArn.parse("targetRoleArn", binding.targetRoleArn()),
                    binding.externalId()));
        }
        steps.add(podAge(request.podCreatedAt(), association));
        steps.add(podEnvironment(environment(request), request.pod(), registered));
        return new Diagnosis(steps);
    }

    /** What the STS session will look like: its name policy and the session tags beyond EKS's six. */
    private static String sessionSummary(SubjectBinding binding) {
        String tags = binding.disableSessionTags() ? "session tags disabled"
                : binding.sessionTags().isEmpty() ? "the six EKS session tags"
                : "the six EKS session tags and " + String.join(", ", new java.util.TreeSet<>(binding.sessionTags().keySet()));
        return " (session name policy " + binding.sessionNamePolicy() + ", " + tags + ")";
    }

    /** The token's steps; answers the pod the token names when its claims could be read (else null). */
    private PodClaims tokenSteps(List<DiagnosticStep> steps, Request request, Subject subject, Cluster cluster) {
        if (request.token() == null || request.token().isEmpty()) {
            TOKEN_STEPS.forEach(c -> steps.add(DiagnosticStep.skip(c, "Not checked: pass token, the pod's projected"
                    + " token (kubectl exec POD -- cat /var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token)")));
            return null;
        }
        JWKSet keys = null;
        if (cluster != null) {
            try {
                keys = JWKSet.parse(cluster.jwksJson());
            } catch (ParseException e) {
                keys = null;
            }
        }
        if (keys == null) {
            String why = cluster == null ? "the cluster is not registered" : "the cluster's stored keys are unreadable";
            TOKEN_STEPS.forEach(c -> steps.add(DiagnosticStep.skip(c, "Not checked: " + why)));
            return null;
        }
        TokenInspection inspection = PodTokenVerifier.inspect(request.token(), cluster.issuer(), keys, clock.instant(),
                java.time.Duration.ofSeconds(cluster.acceptedPodTokenLifetimeSeconds(clock.instant())));
        for (TokenInspection.Outcome o : inspection.outcomes()) {
            DiagnosticCheck check = step(o.check());
            steps.add(switch (o.status()) {
                case PASS -> DiagnosticStep.pass(check, o.detail());
                case SKIP -> DiagnosticStep.skip(check, "Not checked: " + o.detail());
                case FAIL -> DiagnosticStep.fail(check, o.detail(), fix(o.check(), cluster.name()));
            });
        }
        if (inspection.namespace() == null || inspection.serviceAccount() == null) {
            steps.add(DiagnosticStep.skip(DiagnosticCheck.TOKEN_SERVICE_ACCOUNT,
                    "Not checked: the token's claims name no service account"));
        } else if (inspection.namespace().equals(subject.namespace())
                && inspection.serviceAccount().equals(subject.serviceAccount())) {
            steps.add(DiagnosticStep.pass(DiagnosticCheck.TOKEN_SERVICE_ACCOUNT, "The token is for "
                    + subject.namespace() + "/" + subject.serviceAccount()));
        } else {
            steps.add(DiagnosticStep.fail(DiagnosticCheck.TOKEN_SERVICE_ACCOUNT, "The token is for "
                    + Text.printable(inspection.namespace()) + "/" + Text.printable(inspection.serviceAccount())
                    + ", not " + subject.namespace() + "/" + subject.serviceAccount(),
                    "Credentials are looked up by the token's service account: run the pod as "
                            + subject.serviceAccount() + " in " + subject.namespace()
                            + " (spec.serviceAccountName), or diagnose the service account the token names"));
        }
        return inspection.pod();
    }

    /** The broker's tombstone check, for the pod the token names. */
    private DiagnosticStep podNotDeleted(String cluster, PodClaims pod) {
        if (pod == null || pod.podUid() == null) {
            return DiagnosticStep.skip(DiagnosticCheck.POD_NOT_DELETED, "Not checked: needs a token that passes"
                    + " every token check (the broker looks deletions up for verified tokens only)");
        }
        PodDeletion deletion = store.findPodDeletion(cluster, pod.podUid()).orElse(null);
        String named = "Pod " + Text.printable(pod.namespace()) + "/" + Text.printable(pod.podName())
                + " (uid " + Text.printable(pod.podUid()) + ")";
        if (deletion == null) {
            return DiagnosticStep.pass(DiagnosticCheck.POD_NOT_DELETED, named + " has not been deleted");
        }
        if (!deletion.gone(clock.instant())) {
            return DiagnosticStep.pass(DiagnosticCheck.POD_NOT_DELETED, named + " is terminating: its tokens are"
                    + " refused from " + deletion.deletedAt() + ", when its grace period ends");
        }
        return DiagnosticStep.fail(DiagnosticCheck.POD_NOT_DELETED, named + " was deleted at " + deletion.deletedAt()
                        + ": a deleted pod's tokens are refused",
                "Use a token of a running pod: the agent stops asking for this pod once refused; a pod re-created with"
                        + " the same name has a new UID and a new token, and works");
    }

    private static DiagnosticCheck step(TokenCheck check) {
        return switch (check) {
            case MISSING, MALFORMED -> DiagnosticCheck.TOKEN_PARSES;
            case ALGORITHM -> DiagnosticCheck.TOKEN_ALGORITHM;
            case HEADER -> DiagnosticCheck.TOKEN_HEADER;
            case UNKNOWN_KID -> DiagnosticCheck.TOKEN_KEY_ID;
            case SIGNATURE -> DiagnosticCheck.TOKEN_SIGNATURE;
            case ISSUER -> DiagnosticCheck.TOKEN_ISSUER;
            case AUDIENCE -> DiagnosticCheck.TOKEN_AUDIENCE;
            case CLAIMS -> DiagnosticCheck.TOKEN_CLAIMS;
            case EXPIRED -> DiagnosticCheck.TOKEN_EXPIRY;
            case NOT_YET_VALID -> DiagnosticCheck.TOKEN_NOT_BEFORE;
            case LIFETIME -> DiagnosticCheck.TOKEN_LIFETIME;
            case SUBJECT -> DiagnosticCheck.TOKEN_SUBJECT_CLAIMS;
        };
    }

    static String fix(TokenCheck check, String cluster) {
        String reregister = "PUT /clusters/" + cluster + " with the cluster's current keys ($(kubectl get --raw /openid/v1/jwks))";
        return switch (check) {
            case MISSING, MALFORMED -> "Pass the pod's projected token exactly as the kubelet wrote it (the file named by "
                    + TOKEN_FILE + "), not a legacy service-account secret or another JWT";
            case ALGORITHM -> "Sign service-account tokens with RSA or ECDSA keys (kube-apiserver"
                    + " --service-account-signing-key-file); none and HMAC are never accepted";
            case HEADER -> "This is not a Kubernetes projected token (key-source or critical header parameters, or no kid):"
                    + " pass the file the webhook mounts";
            case UNKNOWN_KID -> "The cluster's keys rotated (or the token is from another cluster): re-register with the"
                    + " cluster's current JWKS: " + reregister;
            case SIGNATURE -> "The registered key with this kid did not sign the token: re-register with the cluster's"
                    + " current JWKS (" + reregister + "); if it persists, the token is from another cluster or was altered";
            case ISSUER -> "Re-register the cluster with the issuer its tokens carry (kubectl get --raw"
                    + " /.well-known/openid-configuration), or pass a token of cluster " + cluster;
            case AUDIENCE -> "Project the token with audience " + PodTokenVerifier.AUDIENCE
                    + " (the webhook does): check the webhook's audience setting";
            case CLAIMS -> "Pass a projected token bound to a pod (exp, iat and kubernetes.io pod claims, issued by"
                    + " Kubernetes 1.21+); legacy secret-based tokens do not work";
            case EXPIRED -> "The kubelet rewrites the token file long before it expires: pass the file's current content;"
                    + " if the file itself is stale the kubelet cannot refresh it (check the node), or restart the pod";
            case NOT_YET_VALID -> "Fix the clock of the cluster's API server and nodes (NTP): the token is dated in the future";
            case LIFETIME -> "Project the token with expirationSeconds at most the cluster's podTokenLifetimeSeconds (the"
                    + " service's webhook injects exactly that; the stock webhook's --token-expiration defaults to 86400),"
                    + " or raise the limit: register the cluster again with podTokenLifetimeSeconds";
            case SUBJECT -> "The token's sub disagrees with its kubernetes.io claims: it was not issued by a Kubernetes API"
                    + " server; pass the projected token";
        };
    }

    private static DiagnosticStep podAge(Instant podCreatedAt, Association association) {
        if (podCreatedAt == null) {
            return DiagnosticStep.skip(DiagnosticCheck.POD_CREATED_AFTER_ASSOCIATION, "Not checked: pass podCreatedAt, the"
                    + " pod's creation time in epoch seconds (date -d \"$(kubectl get pod POD -o"
                    + " jsonpath='{.metadata.creationTimestamp}')\" +%s)");
        }
        if (association == null) {
            return DiagnosticStep.skip(DiagnosticCheck.POD_CREATED_AFTER_ASSOCIATION, "Not checked: there is no association");
        }
        Instant associated = association.createdAt().truncatedTo(ChronoUnit.SECONDS);
        if (podCreatedAt.isBefore(associated)) {
            return DiagnosticStep.fail(DiagnosticCheck.POD_CREATED_AFTER_ASSOCIATION, "The pod was created at " + podCreatedAt
                            + ", before association " + association.associationId() + " (created at " + association.createdAt() + ")",
                    "Restart the pod (kubectl delete pod, or kubectl rollout restart for its workload): the webhook mutates"
                            + " pods only when they are created, so this one has no credential variables or token");
        }
        return DiagnosticStep.pass(DiagnosticCheck.POD_CREATED_AFTER_ASSOCIATION, "The pod was created at " + podCreatedAt
                + ", after association " + association.associationId() + " (created at " + association.createdAt() + ")");
    }

    /** NAME or NAME=VALUE entries: from podEnvironment, else from the pod's containers (null: neither given). */
    private static List<String> environment(Request request) {
        if (request.podEnvironment() != null || request.pod() == null) {
            return request.podEnvironment();
        }
        List<String> out = new ArrayList<>();
        for (String field : List.of("initContainers", "containers")) {
            for (com.fasterxml.jackson.databind.JsonNode c : request.pod().path("spec").path(field)) {
                for (com.fasterxml.jackson.databind.JsonNode e : c.path("env")) {
                    out.add(e.path("name").asText() + (e.has("value") ? "=" + e.path("value").asText() : ""));
                }
            }
        }
        return out;
    }

    private static DiagnosticStep podEnvironment(List<String> entries, com.fasterxml.jackson.databind.JsonNode pod,
                                                 Cluster cluster) {
        if (entries == null) {
            return DiagnosticStep.skip(DiagnosticCheck.POD_ENVIRONMENT, "Not checked: pass podEnvironment, the names of the"
                    + " pod's environment variables (kubectl get pod POD -o jsonpath='{.spec.containers[*].env[*].name}';"
                    + " NAME=VALUE has the value checked too), or pod, the Pod itself (kubectl get pod POD -o json)");
        }
        List<String> conflicts = pod == null ? List.of() : PodPatch.conflicts(pod);
        if (!conflicts.isEmpty()) {
            return DiagnosticStep.fail(DiagnosticCheck.POD_ENVIRONMENT, "The webhook left the pod unpatched: "
                            + String.join("; ", conflicts),
                    "Rename the pod's own volume or move its mount away from " + PodPatch.MOUNT_PATH
                            + " (the token's directory), then recreate the pod");
        }
        List<String> names = entries.stream().map(e -> e.contains("=") ? e.substring(0, e.indexOf('=')) : e).toList();
        List<String> missing = new ArrayList<>();
        for (String name : List.of(FULL_URI, TOKEN_FILE)) {
            if (!names.contains(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            return DiagnosticStep.fail(DiagnosticCheck.POD_ENVIRONMENT, "The pod lacks " + String.join(" and ", missing),
                    "The webhook did not mutate this pod: install it for this cluster (cluster/install registers the"
                            + " cluster and applies the MutatingWebhookConfiguration), then restart the pod; pods created"
                            + " before the association or the webhook never get the variables; a pod or namespace"
                            + " labelled pod-identity.dev/inject=false is skipped");
        }
        if (cluster != null) {
            String expected = cluster.effectiveIpFamily().credentialsUri();
            for (String e : entries) {
                if (e.startsWith(FULL_URI + "=") && !e.substring(FULL_URI.length() + 1).equals(expected)) {
                    return DiagnosticStep.fail(DiagnosticCheck.POD_ENVIRONMENT, FULL_URI + " is "
                                    + Text.printable(e.substring(FULL_URI.length() + 1)) + ", but cluster " + cluster.name()
                                    + " is registered as " + cluster.effectiveIpFamily().wireName() + " (" + expected + ")",
                            "Register the cluster with the ipFamily of its pod network (kubectl get svc kubernetes -n"
                                    + " default -o jsonpath='{.spec.ipFamilies[0]}'), then recreate the pod; a value the"
                                    + " pod set itself is never replaced");
                }
            }
        }
        return DiagnosticStep.pass(DiagnosticCheck.POD_ENVIRONMENT, "The pod has " + FULL_URI + " and " + TOKEN_FILE);
    }
}
