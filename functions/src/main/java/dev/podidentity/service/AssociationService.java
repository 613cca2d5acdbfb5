package dev.podidentity.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podidentity.domain.Association;
import dev.podidentity.domain.AssociationId;
import dev.podidentity.domain.AssociationSummary;
import dev.podidentity.domain.ClusterName;
import dev.podidentity.domain.ConflictException;
import dev.podidentity.domain.IdempotencyKey;
import dev.podidentity.domain.Page;
import dev.podidentity.domain.PodIdentityStore;
import dev.podidentity.domain.RoleArn;
import dev.podidentity.domain.RoleValidator;
import dev.podidentity.domain.ServiceException;
import dev.podidentity.domain.ServiceIdentity;
import dev.podidentity.domain.SessionNamePolicy;
import dev.podidentity.domain.SessionTags;
import dev.podidentity.domain.Subject;
import dev.podidentity.domain.Tags;
import dev.podidentity.domain.ErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;

/** The association API: validation, EKS's rules, and the store's atomic writes. */
public final class AssociationService {
    /** How long a clientRequestToken is remembered. */
    static final Duration TOKEN_RETENTION = Duration.ofHours(24);
    private static final int MAX_LIST = 100;
    private static final int MAX_POLICY = 2048;
    private static final int ATTEMPTS = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PodIdentityStore store;
    private final RoleValidator roles;
    private final ServiceIdentity identity;
    private final PageTokens pageTokens;
    private final Clock clock;

    public AssociationService(PodIdentityStore store, RoleValidator roles, ServiceIdentity identity,
                              PageTokens pageTokens, Clock clock) {
        this.store = store;
        this.roles = roles;
        this.identity = identity;
        this.pageTokens = pageTokens;
        this.clock = clock;
    }

    public Association create(CreateAssociationRequest request, String callerArn) {
        ClusterName cluster = new ClusterName(request.clusterName());
        Subject subject = new Subject(request.namespace(), request.serviceAccount());
        RoleArn role = ownRole(request.roleArn());
        RoleArn target = request.targetRoleArn() == null ? null : targetRole(request.targetRoleArn());
        boolean disableSessionTags = Boolean.TRUE.equals(request.disableSessionTags());
        String policy = policy(request.policy(), disableSessionTags);
        Map<String, String> tags = Tags.validate(request.tags(), ErrorCode.INVALID_PARAMETER);
        Map<String, String> sessionTags = SessionTags.validate(request.sessionTags());
        SessionNamePolicy namePolicy = SessionNamePolicy.parse(request.sessionNamePolicy());
        String token = Requests.clientRequestToken(request.clientRequestToken());

        roles.validate(role, !disableSessionTags, callerArn);

        Instant now = clock.instant();
        AssociationId id = AssociationId.random();
        Association association = new Association(cluster.value(), subject.namespace(), subject.serviceAccount(),
                role.arn(), identity.associationArn(cluster.value(), id.value()), id.value(), tags, now, now, null,
                disableSessionTags, target == null ? null : target.arn(),
                target == null ? null : UUID.randomUUID().toString(), policy, 1, sessionTags, namePolicy);
        IdempotencyKey key = token == null ? null
                : new IdempotencyKey(token, requestHash(request, tags, disableSessionTags, sessionTags, namePolicy),
                        now.plus(TOKEN_RETENTION));
        return store.createAssociation(association, key);
    }

    public ListResult<AssociationSummary> list(String clusterName, String namespace, String serviceAccount,
                                               Integer maxResults, String nextToken) {
        ClusterName cluster = new ClusterName(clusterName);
        if (namespace != null) {
            Subject.validateNamespace(namespace);
        }
        if (serviceAccount != null) {
            Subject.validateServiceAccount(serviceAccount);
        }
        int limit = Requests.maxResults(maxResults, MAX_LIST);
        String scope = "ListPodIdentityAssociations\0" + cluster.value() + "\0" + namespace + "\0" + serviceAccount;
        String startAfter = nextToken == null ? null : pageTokens.decode(scope, nextToken);
        if (store.findCluster(cluster.value()).isEmpty()) {
            throw ServiceException.clusterNotFound(cluster.value());
        }
        Page<AssociationSummary> page = store.listAssociations(cluster.value(), namespace, serviceAccount, limit, startAfter);
        return new ListResult<>(page.items(), page.lastKey() == null ? null : pageTokens.encode(scope, page.lastKey()));
    }

    public Association describe(String clusterName, String associationId) {
        return load(new ClusterName(clusterName), new AssociationId(associationId));
    }

    public Association update(UpdateAssociationRequest request, String callerArn) {
        ClusterName cluster = new ClusterName(request.clusterName());
        AssociationId id = new AssociationId(request.associationId());
        if (request.roleArn() == null && request.targetRoleArn() == null && request.disableSessionTags() == null
                && request.policy() == null && request.sessionTags() == null && request.sessionNamePolicy() == null) {
            throw ServiceException.invalidParameter("Nothing to update: provide at least one of roleArn, targetRoleArn,"
                    + " disableSessionTags, policy, sessionTags or sessionNamePolicy");
        }
        Map<String, String> newSessionTags = request.sessionTags() == null ? null
                : SessionTags.validate(request.sessionTags());
        SessionNamePolicy newNamePolicy = SessionNamePolicy.parse(request.sessionNamePolicy());
        RoleArn newRole = request.roleArn() == null ? null : ownRole(request.roleArn());
        RoleArn newTarget = request.targetRoleArn() == null || request.targetRoleArn().isEmpty()
                ? null : targetRole(request.targetRoleArn());
        Requests.clientRequestToken(request.clientRequestToken());

        return retryingConflicts(() -> {
            Association current = load(cluster, id);
            String roleArn = newRole == null ? current.roleArn() : newRole.arn();
            boolean disableSessionTags = request.disableSessionTags() == null
                    ? current.disableSessionTags() : request.disableSessionTags();
            String targetRoleArn = request.targetRoleArn() == null ? current.targetRoleArn()
                    : newTarget == null ? null : newTarget.arn();
            String policy = request.policy() == null ? current.policy()
                    : request.policy().isEmpty() ? null : request.policy();
            policy = policy(policy, disableSessionTags);
            String externalId = targetRoleArn == null ? null
                    : current.externalId() != null ? current.externalId() : UUID.randomUUID().toString();
            boolean roleChanged = !roleArn.equals(current.roleArn());
            boolean tagSessionNewlyNeeded = current.disableSessionTags() && !disableSessionTags;
            if (roleChanged || tagSessionNewlyNeeded) {
                roles.validate(RoleArn.parse("roleArn", roleArn), !disableSessionTags, callerArn);
            }
            Association updated = current.withSettings(roleArn, disableSessionTags, targetRoleArn, externalId, policy,
                    newSessionTags == null ? current.sessionTags() : newSessionTags,
                    newNamePolicy == null ? current.sessionNamePolicy() : newNamePolicy, clock.instant());
            return store.updateAssociation(current, updated);
        });
    }

    public Association delete(String clusterName, String associationId) {
        ClusterName cluster = new ClusterName(clusterName);
        AssociationId id = new AssociationId(associationId);
        return retryingConflicts(() -> {
            Association current = load(cluster, id);
            store.deleteAssociation(current);
            return current;
        });
    }

    private Association load(ClusterName cluster, AssociationId id) {
        return store.findAssociation(cluster.value(), id.value())
                .orElseThrow(() -> ServiceException.associationNotFound(cluster.value(), id.value()));
    }

    /** An update or delete that lost a race re-reads and tries again: the outcome matches some serial order. */
    static <T> T retryingConflicts(Supplier<T> operation) {
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.get();
            } catch (ConflictException e) {
                if (attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private RoleArn ownRole(String value) {
        RoleArn role = RoleArn.parse("roleArn", value);
        if (!role.partition().equals(identity.partition())) {
            throw ServiceException.invalidParameter("roleArn " + value + " is in partition " + role.partition()
                    + ": this service runs in " + identity.partition());
        }
        if (!role.accountId().equals(identity.accountId())) {
            throw ServiceException.invalidParameter("roleArn " + value + " is in account " + role.accountId()
                    + ": the role must be in this service's account " + identity.accountId()
                    + " (use targetRoleArn for a role in another account)");
        }
        return role;
    }

    private RoleArn targetRole(String value) {
        RoleArn role = RoleArn.parse("targetRoleArn", value);
        if (!role.partition().equals(identity.partition())) {
            throw ServiceException.invalidParameter("targetRoleArn " + value + " is in partition " + role.partition()
                    + ": this service runs in " + identity.partition());
        }
        return role;
    }

    private static String policy(String policy, boolean disableSessionTags) {
        if (policy == null) {
            return null;
        }
        if (!disableSessionTags) {
            throw ServiceException.invalidParameter(
                    "policy is allowed only with disableSessionTags=true: set disableSessionTags to true or remove the policy");
        }
        if (policy.length() > MAX_POLICY) {
            throw ServiceException.invalidParameter("policy has " + policy.length() + " characters: at most " + MAX_POLICY
                    + " are allowed");
        }
        try {
            JsonNode doc = JSON.readTree(policy);
            if (doc == null || !doc.isObject() || !doc.has("Statement")) {
                throw ServiceException.invalidParameter(
                        "policy is not an IAM policy document: expected a JSON object with a Statement");
            }
        } catch (IOException e) {
            throw ServiceException.invalidParameter("policy is not valid JSON: expected an IAM policy document");
        }
        return policy;
    }

    /** What makes two creates "the same request" for clientRequestToken. */
    private static String requestHash(CreateAssociationRequest r, Map<String, String> tags, boolean disableSessionTags,
                                      Map<String, String> sessionTags, SessionNamePolicy namePolicy) {
        StringBuilder canonical = new StringBuilder()
                .append(r.clusterName()).append('\0').append(r.namespace()).append('\0').append(r.serviceAccount())
                .append('\0').append(r.roleArn()).append('\0').append(r.targetRoleArn()).append('\0')
                .append(disableSessionTags).append('\0').append(r.policy()).append('\0');
        new TreeMap<>(tags).forEach((k, v) -> canonical.append(k).append('=').append(v).append('\0'));
        // the members EKS lacks are hashed only when given, so tokens stored before they existed still match
        if (!sessionTags.isEmpty() || namePolicy != null) {
            canonical.append("sessionTags\0");
            new TreeMap<>(sessionTags).forEach((k, v) -> canonical.append(k).append('=').append(v).append('\0'));
            canonical.append(namePolicy).append('\0');
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
