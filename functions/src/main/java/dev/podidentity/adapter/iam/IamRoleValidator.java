package dev.podidentity.adapter.iam;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.adapter.AwsFailures;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podidentity.domain.DiagnosticCheck;
import dev.podidentity.domain.DiagnosticStep;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.RoleArn;
import dev.podidentity.domain.RoleInspector;
import dev.podidentity.domain.RoleValidator;
import dev.podidentity.domain.ServiceException;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.EvaluationResult;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * The create-time role checks EKS makes, with IAM: the role exists ({@code GetRole}), its trust policy lets the
 * credential broker {@code sts:AssumeRole} (and {@code sts:TagSession}), and the caller may {@code iam:PassRole}
 * it ({@code SimulatePrincipalPolicy}). The same rules, reported step by step instead of thrown, serve diagnosis
 * ({@link #inspect}), which also simulates the broker's and the role's own policies; nothing here assumes a role.
 */
public final class IamRoleValidator implements RoleValidator, RoleInspector {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ASSUMED_ROLE = Pattern.compile("arn:([a-z-]+):sts::(\\d{12}):assumed-role/([^/]+)/.+");
    private static final Pattern ROOT = Pattern.compile("arn:[a-z-]+:iam::\\d{12}:root");

    private final IamClient iam;
    private final String brokerRoleArn;

    public IamRoleValidator(IamClient iam, String brokerRoleArn) {
        this.iam = iam;
        this.brokerRoleArn = brokerRoleArn;
    }

    /** A validator with its own IAM client (IAM is global: the partition's global region). */
    public static IamRoleValidator create(dev.podidentity.config.SdkClients clients, String partition,
                                          java.net.URI endpoint, String brokerRoleArn) {
        software.amazon.awssdk.regions.Region region = switch (partition) {
            case "aws-cn" -> software.amazon.awssdk.regions.Region.AWS_CN_GLOBAL;
            case "aws-us-gov" -> software.amazon.awssdk.regions.Region.AWS_US_GOV_GLOBAL;
            case "aws-iso" -> software.amazon.awssdk.regions.Region.AWS_ISO_GLOBAL;
            case "aws-iso-b" -> software.amazon.awssdk.regions.Region.AWS_ISO_B_GLOBAL;
            default -> software.amazon.awssdk.regions.Region.AWS_GLOBAL;
        };
        return new IamRoleValidator(clients.configure(IamClient.builder(), region, endpoint).build(), brokerRoleArn);
    }

    @Override
    public void validate(RoleArn role, boolean needsTagSession, String callerArn) {
        Role found = getRole(role.name());
        if (!found.arn().equals(role.arn())) {
            throw ServiceException.invalidParameter("Role provided in the request does not exist: " + role.arn()
                    + " (a role named " + role.name() + " exists as " + found.arn() + ")");
        }
        checkTrust(role, found.assumeRolePolicyDocument(), needsTagSession);
        checkPassRole(role, callerArn);
    }

    private Role getRole(String name) {
        return findRole(name).orElseThrow(() -> ServiceException.invalidParameter("Role provided in the request does not exist"));
    }

    private Optional<Role> findRole(String name) {
        try {
            return Optional.of(iam.getRole(r -> r.roleName(name)).role());
        } catch (NoSuchEntityException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw translate(e);
        }
    }

    private void checkTrust(RoleArn role, String encodedPolicy, boolean needsTagSession) {
        if (brokerRoleArn == null) {
            throw new ServiceException(ErrorCode.SERVER, "BROKER_ROLE_ARN is not configured");
        }
        JsonNode policy = trustPolicy(encodedPolicy)
                .orElseThrow(() -> ServiceException.invalidParameter("Trust policy of the role provided is invalid: it is not JSON"));
        List<String> missing = missingTrust(policy, brokerRoleArn, needsTagSession);
        if (!missing.isEmpty()) {
            throw ServiceException.invalidParameter("Trust policy of the role provided is invalid: it must allow "
                    + String.join(" and ", missing) + " to the credential broker " + brokerRoleArn
                    + " (set disableSessionTags=true if the role cannot allow sts:TagSession)");
        }
    }

    private static Optional<JsonNode> trustPolicy(String encodedPolicy) {
        try {
            return Optional.ofNullable(JSON.readTree(URLDecoder.decode(encodedPolicy, StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The actions the trust policy does not allow to {@code trusted} (a role ARN): AssumeRole, TagSession if needed. */
    private static List<String> missingTrust(JsonNode policy, String trusted, boolean needsTagSession) {
        List<String> missing = new ArrayList<>();
        if (allowing(policy, "sts:AssumeRole", trusted).isEmpty()) {
            missing.add("sts:AssumeRole");
        }
        if (needsTagSession && allowing(policy, "sts:TagSession", trusted).isEmpty()) {
            missing.add("sts:TagSession");
        }
        return missing;
    }

    /** The Allow statements that name {@code trusted} (a role ARN, or its account) as principal for the action. */
    private static List<JsonNode> allowing(JsonNode policy, String action, String trusted) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode statement : statements(policy)) {
            if (!"Allow".equals(statement.path("Effect").asText())) {
                continue;
            }
            if (matchesAny(statement.get("Action"), action) && principalMatches(statement.get("Principal"), trusted)) {
                out.add(statement);
            }
        }
        return out;
    }

    private static List<JsonNode> statements(JsonNode policy) {
        JsonNode s = policy.get("Statement");
        List<JsonNode> out = new ArrayList<>();
        if (s == null) {
            return out;
        }
        if (s.isArray()) {
            s.forEach(out::add);
        } else {
            out.add(s);
        }
        return out;
    }

    private static boolean matchesAny(JsonNode actions, String action) {
        if (actions == null) {
            return false;
        }
        for (String a : values(actions)) {
            if (wildcard(a.toLowerCase(), action.toLowerCase())) {
                return true;
            }
        }
        return false;
    }

    private static boolean principalMatches(JsonNode principal, String trusted) {
        if (principal == null) {
            return false;
        }
        if (principal.isTextual()) {
            return "*".equals(principal.textValue());
        }
        JsonNode aws = principal.get("AWS");
        if (aws == null) {
            return false;
        }
        RoleArn trustedRole = RoleArn.parse("principal", trusted);
        String account = trustedRole.accountId();
        String partition = trustedRole.partition();
        for (String p : values(aws)) {
            if (p.equals(trusted) || p.equals("*") || p.equals(account)
                    || p.equals("arn:" + partition + ":iam::" + account + ":root")) {
                return true;
            }
        }
        return false;
    }

    private static List<String> values(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else {
            out.add(node.asText());
        }
        return out;
    }

    private static boolean wildcard(String pattern, String value) {
        return Pattern.compile(Pattern.quote(pattern).replace("*", "\\E.*\\Q").replace("?", "\\E.\\Q")).matcher(value).matches();
    }

    private void checkPassRole(RoleArn role, String callerArn) {
        if (callerArn == null) {
            throw new ServiceException(ErrorCode.ACCESS_DENIED,
                    "The caller's identity is unknown: sign the request with SigV4 (service execute-api)");
        }
        if (ROOT.matcher(callerArn).matches()) {
            return;
        }
        String principal = callerArn;
        Matcher session = ASSUMED_ROLE.matcher(callerArn);
        if (session.matches()) {
            principal = getRole(session.group(3)).arn();
        }
        String policySource = principal;
        List<EvaluationResult> results;
        try {
            results = iam.simulatePrincipalPolicy(r -> r.policySourceArn(policySource)
                    .actionNames("iam:PassRole").resourceArns(role.arn())).evaluationResults();
        } catch (IamException e) {
            if (e.statusCode() == 400 || e.statusCode() == 404) {
                throw new ServiceException(ErrorCode.ACCESS_DENIED, "Cannot verify that " + callerArn
                        + " may iam:PassRole " + role.arn() + ": " + e.awsErrorDetails().errorMessage());
            }
            throw translate(e);
        } catch (SdkException e) {
            throw translate(e);
        }
        boolean allowed = !results.isEmpty() && results.stream().allMatch(r -> "allowed".equals(r.evalDecisionAsString()));
        if (!allowed) {
            throw new ServiceException(ErrorCode.ACCESS_DENIED, "User: " + callerArn
                    + " is not authorized to perform: iam:PassRole on resource: " + role.arn());
        }
    }

    @Override
    public List<DiagnosticStep> inspect(RoleArn role, boolean needsTagSession, RoleArn target, String externalId) {
        if (brokerRoleArn == null) {
            throw new ServiceException(ErrorCode.SERVER, "BROKER_ROLE_ARN is not configured");
        }
        List<DiagnosticStep> steps = new ArrayList<>();
        String trustActions = needsTagSession ? "sts:AssumeRole and sts:TagSession" : "sts:AssumeRole";
        Role found;
        try {
            found = findRole(role.name()).orElse(null);
        } catch (ServiceException e) {
            steps.add(DiagnosticStep.skip(DiagnosticCheck.ROLE_EXISTS, "IAM did not answer GetRole: " + e.getMessage() + "; retry"));
            skipRest(steps, "the role could not be read");
            return steps;
        }
        if (found == null || !found.arn().equals(role.arn())) {
            steps.add(DiagnosticStep.fail(DiagnosticCheck.ROLE_EXISTS, "Role " + role.arn() + " does not exist"
                            + (found == null ? "" : " (a role named " + role.name() + " exists as " + found.arn() + ")"),
                    "Create the role in account " + role.accountId() + " with a trust policy that allows the credential broker "
                            + brokerRoleArn + " " + trustActions + ", or point the association at an existing role"
                            + " (UpdatePodIdentityAssociation roleArn)"));
            skipRest(steps, "the role does not exist");
            return steps;
        }
        steps.add(DiagnosticStep.pass(DiagnosticCheck.ROLE_EXISTS, "Role " + role.arn() + " exists"));

        List<String> missing = trustPolicy(found.assumeRolePolicyDocument())
                .map(p -> missingTrust(p, brokerRoleArn, needsTagSession)).orElse(null);
        if (missing == null || !missing.isEmpty()) {
            steps.add(DiagnosticStep.fail(DiagnosticCheck.ROLE_TRUSTS_BROKER, missing == null
                            ? "The trust policy of " + role.arn() + " is not JSON"
                            : "The trust policy of " + role.arn() + " does not allow " + String.join(" and ", missing)
                                    + " to the credential broker " + brokerRoleArn,
                    "Add to the role's trust policy a statement with Effect Allow, Principal {\"AWS\": \"" + brokerRoleArn
                            + "\"} and Action [" + trustActions.replace(" and ", ", ") + "]"
                            + (needsTagSession ? " (or set disableSessionTags=true on the association if the role cannot"
                            + " allow sts:TagSession)" : "")));
        } else {
            steps.add(DiagnosticStep.pass(DiagnosticCheck.ROLE_TRUSTS_BROKER, "The trust policy allows the credential broker "
                    + trustActions));
        }

        steps.add(simulateAssume(DiagnosticCheck.BROKER_MAY_ASSUME_ROLE, brokerRoleArn, role.arn(),
                "The credential broker's own policy does not allow sts:AssumeRole on " + role.arn(),
                "Redeploy the stack with the role among its assumable roles (cdk deploy -c assumableRoleArns=...)"));

        steps.add(inspectTarget(role, needsTagSession, target, externalId));
        return steps;
    }

    private DiagnosticStep inspectTarget(RoleArn role, boolean needsTagSession, RoleArn target, String externalId) {
        if (target == null) {
            return DiagnosticStep.pass(DiagnosticCheck.TARGET_ROLE, "The association has no targetRoleArn: pods get "
                    + role.arn() + "'s credentials");
        }
        String trustActions = needsTagSession ? "sts:AssumeRole and sts:TagSession" : "sts:AssumeRole";
        String requirement = target.arn() + "'s trust policy must allow " + role.arn() + " " + trustActions
                + (externalId == null ? "" : " (with the condition sts:ExternalId = " + externalId + " if it requires one)")
                + ", and " + role.arn() + "'s permissions must allow sts:AssumeRole on " + target.arn();
        if (!target.accountId().equals(role.accountId())) {
            return DiagnosticStep.skip(DiagnosticCheck.TARGET_ROLE, "The target role is in account " + target.accountId()
                    + ", whose roles this service cannot read: verify by hand that " + requirement);
        }
        Role found;
        try {
            found = findRole(target.name()).orElse(null);
        } catch (ServiceException e) {
            return DiagnosticStep.skip(DiagnosticCheck.TARGET_ROLE, "IAM did not answer GetRole: " + e.getMessage() + "; retry");
        }
        if (found == null || !found.arn().equals(target.arn())) {
            return DiagnosticStep.fail(DiagnosticCheck.TARGET_ROLE, "Target role " + target.arn() + " does not exist",
                    "Create it (" + requirement + "), or update the association's targetRoleArn");
        }
        JsonNode policy = trustPolicy(found.assumeRolePolicyDocument()).orElse(null);
        List<String> missing = policy == null ? List.of("any action (it is not JSON)")
                : missingTrust(policy, role.arn(), needsTagSession);
        if (!missing.isEmpty()) {
            return DiagnosticStep.fail(DiagnosticCheck.TARGET_ROLE, "The trust policy of target role " + target.arn()
                    + " does not allow " + String.join(" and ", missing) + " to " + role.arn(), "Fix it: " + requirement);
        }
        if (externalId != null && !acceptsExternalId(policy, role.arn(), externalId)) {
            return DiagnosticStep.fail(DiagnosticCheck.TARGET_ROLE, "The trust policy of target role " + target.arn()
                            + " requires an sts:ExternalId other than the association's external id " + externalId,
                    "Set the condition to StringEquals {\"sts:ExternalId\": \"" + externalId + "\"} in " + target.arn()
                            + "'s trust policy");
        }
        DiagnosticStep permission = simulateAssume(DiagnosticCheck.TARGET_ROLE, role.arn(), target.arn(),
                "The permissions of " + role.arn() + " do not allow sts:AssumeRole on target role " + target.arn(),
                "Add to " + role.arn() + " a policy allowing sts:AssumeRole on " + target.arn());
        if (permission.status() != dev.podidentity.domain.CheckStatus.PASS) {
            return permission;
        }
        return DiagnosticStep.pass(DiagnosticCheck.TARGET_ROLE, "Target role " + target.arn() + " exists, trusts "
                + role.arn() + (externalId == null ? "" : " with the association's external id")
                + ", and " + role.arn() + " may assume it");
    }

    /** Whether some statement letting {@code trusted} assume the role either needs no external id or accepts this one. */
    private static boolean acceptsExternalId(JsonNode policy, String trusted, String externalId) {
        for (JsonNode statement : allowing(policy, "sts:AssumeRole", trusted)) {
            List<String> required = new ArrayList<>();
            JsonNode condition = statement.path("Condition");
            for (var operator : condition.properties()) {
                for (var key : operator.getValue().properties()) {
                    if (key.getKey().equalsIgnoreCase("sts:ExternalId")) {
                        required.addAll(values(key.getValue()));
                    }
                }
            }
            if (required.isEmpty() || required.stream().anyMatch(v -> wildcard(v, externalId))) {
                return true;
            }
        }
        return false;
    }

    /** SimulatePrincipalPolicy for {@code sts:AssumeRole}: PASS when allowed, FAIL when denied, SKIP when IAM cannot say. */
    private DiagnosticStep simulateAssume(DiagnosticCheck check, String principal, String roleArn, String denied, String fix) {
        List<EvaluationResult> results;
        try {
            results = iam.simulatePrincipalPolicy(r -> r.policySourceArn(principal)
                    .actionNames("sts:AssumeRole").resourceArns(roleArn)).evaluationResults();
        } catch (IamException e) {
            if (e.statusCode() == 400 || e.statusCode() == 403 || e.statusCode() == 404) {
                return DiagnosticStep.skip(check, "Cannot simulate the policies of " + principal + ": "
                        + e.awsErrorDetails().errorMessage());
            }
            return DiagnosticStep.skip(check, "IAM did not answer SimulatePrincipalPolicy: " + translate(e).getMessage() + "; retry");
        } catch (SdkException e) {
            return DiagnosticStep.skip(check, "IAM did not answer SimulatePrincipalPolicy: " + translate(e).getMessage() + "; retry");
        }
        boolean allowed = !results.isEmpty() && results.stream().allMatch(r -> "allowed".equals(r.evalDecisionAsString()));
        return allowed ? DiagnosticStep.pass(check, principal + " may sts:AssumeRole " + roleArn)
                : DiagnosticStep.fail(check, denied, fix);
    }

    private static void skipRest(List<DiagnosticStep> steps, String why) {
        for (DiagnosticCheck c : List.of(DiagnosticCheck.ROLE_EXISTS, DiagnosticCheck.ROLE_TRUSTS_BROKER,
                DiagnosticCheck.BROKER_MAY_ASSUME_ROLE, DiagnosticCheck.TARGET_ROLE)) {
            if (steps.stream().noneMatch(s -> s.check() == c)) {
                steps.add(DiagnosticStep.skip(c, "Not checked: " + why));
            }
        }
    }

    private static ServiceException translate(SdkException e) {
        return AwsFailures.retryable(e, "IAM").orElseGet(() -> new ServiceException(ErrorCode.SERVER, "Role checks failed", e));
    }
}
