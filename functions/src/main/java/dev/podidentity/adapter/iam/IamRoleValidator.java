package dev.podidentity.adapter.iam;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podidentity.adapter.AwsFailures;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podidentity.domain.ErrorCode;
import dev.podidentity.domain.RoleArn;
import dev.podidentity.domain.RoleValidator;
import dev.podidentity.domain.ServiceException;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
 * it ({@code SimulatePrincipalPolicy}).
 */
public final class IamRoleValidator implements RoleValidator {
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
        try {
            return iam.getRole(r -> r.roleName(name)).role();
        } catch (NoSuchEntityException e) {
            throw ServiceException.invalidParameter("Role provided in the request does not exist");
        } catch (SdkException e) {
            throw translate(e);
        }
    }

    private void checkTrust(RoleArn role, String encodedPolicy, boolean needsTagSession) {
        if (brokerRoleArn == null) {
            throw new ServiceException(ErrorCode.SERVER, "BROKER_ROLE_ARN is not configured");
        }
        JsonNode policy;
        try {
            policy = JSON.readTree(URLDecoder.decode(encodedPolicy, StandardCharsets.UTF_8));
        } catch (IOException | IllegalArgumentException e) {
            throw ServiceException.invalidParameter("Trust policy of the role provided is invalid: it is not JSON");
        }
        boolean assume = allows(policy, "sts:AssumeRole");
        boolean tag = allows(policy, "sts:TagSession");
        List<String> missing = new ArrayList<>();
        if (!assume) {
            missing.add("sts:AssumeRole");
        }
        if (needsTagSession && !tag) {
            missing.add("sts:TagSession");
        }
        if (!missing.isEmpty()) {
            throw ServiceException.invalidParameter("Trust policy of the role provided is invalid: it must allow "
                    + String.join(" and ", missing) + " to the credential broker " + brokerRoleArn
                    + " (set disableSessionTags=true if the role cannot allow sts:TagSession)");
        }
    }

    /** Whether an Allow statement names the broker (or its account) as principal for the action. */
    private boolean allows(JsonNode policy, String action) {
        for (JsonNode statement : statements(policy)) {
            if (!"Allow".equals(statement.path("Effect").asText())) {
                continue;
            }
            if (matchesAny(statement.get("Action"), action) && principalMatches(statement.get("Principal"))) {
                return true;
            }
        }
        return false;
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

    private boolean principalMatches(JsonNode principal) {
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
        String account = RoleArn.parse("BROKER_ROLE_ARN", brokerRoleArn).accountId();
        String partition = RoleArn.parse("BROKER_ROLE_ARN", brokerRoleArn).partition();
        for (String p : values(aws)) {
            if (p.equals(brokerRoleArn) || p.equals("*") || p.equals(account)
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

    private static ServiceException translate(SdkException e) {
        return AwsFailures.retryable(e, "IAM").orElseGet(() -> new ServiceException(ErrorCode.SERVER, "Role checks failed", e));
    }
}
