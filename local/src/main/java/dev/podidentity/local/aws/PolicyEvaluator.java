package dev.podidentity.local.aws;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * IAM policy evaluation, enough of it for the local stack: Allow/Deny statements, Action/NotAction,
 * Resource/NotResource, Principal (for trust policies) and the common condition operators, with explicit deny
 * winning over allow.
 */
public final class PolicyEvaluator {
    public enum Decision { ALLOWED, IMPLICIT_DENY, EXPLICIT_DENY }

    private PolicyEvaluator() {
    }

    /**
     * @param principal when not null, statements must name it in Principal (trust policies); its ARN, role ARN and
     *                  account are tried
     * @param context   condition keys (lower case) to their values
     */
    public static Decision evaluate(List<JsonNode> policies, String action, String resource, Principal principal,
                                    Map<String, List<String>> context) {
        boolean allowed = false;
        for (JsonNode policy : policies) {
            for (JsonNode statement : list(policy.get("Statement"))) {
                if (!applies(statement, action, resource, principal, context)) {
                    continue;
                }
                if ("Deny".equals(statement.path("Effect").asText())) {
                    return Decision.EXPLICIT_DENY;
                }
                if ("Allow".equals(statement.path("Effect").asText())) {
                    allowed = true;
                }
            }
        }
        return allowed ? Decision.ALLOWED : Decision.IMPLICIT_DENY;
    }

    private static boolean applies(JsonNode s, String action, String resource, Principal principal,
                                   Map<String, List<String>> context) {
        if (s.has("Action") && !anyMatch(s.get("Action"), action, true)) {
            return false;
        }
        if (s.has("NotAction") && anyMatch(s.get("NotAction"), action, true)) {
            return false;
        }
        if (resource != null) {
            if (s.has("Resource") && !anyMatch(s.get("Resource"), resource, false)) {
                return false;
            }
            if (s.has("NotResource") && anyMatch(s.get("NotResource"), resource, false)) {
                return false;
            }
        }
        if (principal != null && !principalMatches(s.get("Principal"), principal)) {
            return false;
        }
        return conditionsHold(s.get("Condition"), context);
    }

    static boolean principalMatches(JsonNode p, Principal principal) {
        if (p == null) {
            return false;
        }
        if (p.isTextual()) {
            return "*".equals(p.asText());
        }
        JsonNode aws = p.get("AWS");
        if (aws == null) {
            return false;
        }
        String root = "arn:" + partition(principal.arn()) + ":iam::" + principal.accountId() + ":root";
        for (String candidate : strings(aws)) {
            if (candidate.equals("*") || candidate.equals(principal.arn()) || candidate.equals(principal.accountId())
                    || candidate.equals(root) || (principal.roleArn() != null && candidate.equals(principal.roleArn()))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the trust policy names this principal itself (not only its account). */
    static boolean namesPrincipalDirectly(JsonNode p, Principal principal) {
        if (p == null || !p.has("AWS")) {
            return false;
        }
        for (String candidate : strings(p.get("AWS"))) {
            if (candidate.equals(principal.arn()) || (principal.roleArn() != null && candidate.equals(principal.roleArn()))) {
                return true;
            }
        }
        return false;
    }

    private static String partition(String arn) {
        String[] parts = arn.split(":");
        return parts.length > 1 ? parts[1] : "aws";
    }

    private static boolean conditionsHold(JsonNode conditions, Map<String, List<String>> context) {
        if (conditions == null) {
            return true;
        }
        for (Iterator<Map.Entry<String, JsonNode>> ops = conditions.fields(); ops.hasNext(); ) {
            Map.Entry<String, JsonNode> op = ops.next();
            for (Iterator<Map.Entry<String, JsonNode>> keys = op.getValue().fields(); keys.hasNext(); ) {
                Map.Entry<String, JsonNode> key = keys.next();
                if (!condition(op.getKey(), context.get(key.getKey().toLowerCase(Locale.ROOT)), strings(key.getValue()))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean condition(String operator, List<String> actual, List<String> expected) {
        String op = operator;
        boolean forAll = false;
        if (op.startsWith("ForAllValues:")) {
            forAll = true;
            op = op.substring("ForAllValues:".length());
        } else if (op.startsWith("ForAnyValue:")) {
            op = op.substring("ForAnyValue:".length());
        }
        boolean ifExists = op.endsWith("IfExists");
        if (ifExists) {
            op = op.substring(0, op.length() - "IfExists".length());
        }
        if (op.equals("Null")) {
            boolean isNull = actual == null || actual.isEmpty();
            return expected.contains(Boolean.toString(isNull));
        }
        if (actual == null || actual.isEmpty()) {
            return ifExists || forAll;
        }
        boolean negated = op.contains("Not");
        String base = op.replace("Not", "");
        if (forAll) {
            for (String a : actual) {
                if (!matchesOne(base, a, expected)) {
                    return false;
                }
            }
            return true;
        }
        boolean any = false;
        for (String a : actual) {
            if (matchesOne(base, a, expected)) {
                any = true;
                break;
            }
        }
        return negated != any;
    }

    private static boolean matchesOne(String operator, String actual, List<String> expected) {
        for (String e : expected) {
            boolean match = switch (operator) {
                case "StringEquals", "ArnEquals", "Bool", "NumericEquals" -> actual.equals(e);
                case "StringEqualsIgnoreCase" -> actual.equalsIgnoreCase(e);
                case "StringLike", "ArnLike" -> wildcard(e, actual, false);
                default -> false;
            };
            if (match) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyMatch(JsonNode patterns, String value, boolean ignoreCase) {
        for (String p : strings(patterns)) {
            if (wildcard(p, value, ignoreCase)) {
                return true;
            }
        }
        return false;
    }

    private static final java.util.Map<String, Pattern> PATTERNS = new java.util.concurrent.ConcurrentHashMap<>();

    public static boolean wildcard(String pattern, String value, boolean ignoreCase) {
        return PATTERNS.computeIfAbsent((ignoreCase ? "i:" : "s:") + pattern, k -> compile(pattern, ignoreCase))
                .matcher(value).matches();
    }

    private static Pattern compile(String pattern, boolean ignoreCase) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            if (c == '*') {
                regex.append(".*");
            } else if (c == '?') {
                regex.append('.');
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
    }

    static List<JsonNode> list(JsonNode node) {
        List<JsonNode> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (node.isArray()) {
            node.forEach(out::add);
        } else {
            out.add(node);
        }
        return out;
    }

    static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : list(node)) {
            out.add(n.asText());
        }
        return out;
    }
}
