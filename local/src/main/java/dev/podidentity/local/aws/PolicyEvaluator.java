package dev.podidentity.local.aws;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * IAM policy evaluation, enough of it for the local stack: Allow/Deny statements (explicit deny wins), Action/NotAction,
 * Resource/NotResource, Principal {@code "*"} or {@code {"AWS": ...}} (for trust policies: an ARN, a role session's
 * role ARN, an account id or its root ARN), and these condition operators, each with an optional {@code IfExists}
 * suffix and {@code ForAllValues:}/{@code ForAnyValue:} qualifier: {@code StringEquals}, {@code StringNotEquals},
 * {@code StringEqualsIgnoreCase}, {@code StringNotEqualsIgnoreCase}, {@code StringLike}, {@code StringNotLike},
 * {@code ArnEquals}, {@code ArnNotEquals}, {@code ArnLike}, {@code ArnNotLike}, {@code Bool}, {@code NumericEquals},
 * {@code NumericNotEquals}, {@code NumericLessThan}, {@code NumericLessThanEquals}, {@code NumericGreaterThan},
 * {@code NumericGreaterThanEquals} and {@code Null}. A statement with any other operator never applies.
 *
 * <p>This is deliberately written apart from the service's own role checks ({@code IamRoleValidator}): the stand-in
 * exists to test them.
 */
public final class PolicyEvaluator {
    public enum Decision { ALLOWED, IMPLICIT_DENY, EXPLICIT_DENY }

    /** How a statement's Principal names a caller. */
    enum PrincipalMatch { NONE, ANYONE_OR_ACCOUNT, DIRECTLY }

    /** How values are compared. */
    private enum Comparison { EQUALS, EQUALS_IGNORE_CASE, LIKE, BOOL, NUMERIC_EQ, NUMERIC_LT, NUMERIC_LE, NUMERIC_GT, NUMERIC_GE, NULL }

    /** The condition operators implemented, by their policy name. */
    private enum Operator {
        STRING_EQUALS("StringEquals", Comparison.EQUALS, false),
        STRING_NOT_EQUALS("StringNotEquals", Comparison.EQUALS, true),
        STRING_EQUALS_IGNORE_CASE("StringEqualsIgnoreCase", Comparison.EQUALS_IGNORE_CASE, false),
        STRING_NOT_EQUALS_IGNORE_CASE("StringNotEqualsIgnoreCase", Comparison.EQUALS_IGNORE_CASE, true),
        STRING_LIKE("StringLike", Comparison.LIKE, false),
        STRING_NOT_LIKE("StringNotLike", Comparison.LIKE, true),
        ARN_EQUALS("ArnEquals", Comparison.EQUALS, false),
        ARN_NOT_EQUALS("ArnNotEquals", Comparison.EQUALS, true),
        ARN_LIKE("ArnLike", Comparison.LIKE, false),
        ARN_NOT_LIKE("ArnNotLike", Comparison.LIKE, true),
        BOOL("Bool", Comparison.BOOL, false),
        NUMERIC_EQUALS("NumericEquals", Comparison.NUMERIC_EQ, false),
        NUMERIC_NOT_EQUALS("NumericNotEquals", Comparison.NUMERIC_EQ, true),
        NUMERIC_LESS_THAN("NumericLessThan", Comparison.NUMERIC_LT, false),
        NUMERIC_LESS_THAN_EQUALS("NumericLessThanEquals", Comparison.NUMERIC_LE, false),
        NUMERIC_GREATER_THAN("NumericGreaterThan", Comparison.NUMERIC_GT, false),
        NUMERIC_GREATER_THAN_EQUALS("NumericGreaterThanEquals", Comparison.NUMERIC_GE, false),
        NULL("Null", Comparison.NULL, false);

        private static final Map<String, Operator> BY_NAME = new HashMap<>();

        static {
            for (Operator o : values()) {
                BY_NAME.put(o.policyName, o);
            }
        }

        final String policyName;
        final Comparison comparison;
        final boolean negated;

        Operator(String policyName, Comparison comparison, boolean negated) {
            this.policyName = policyName;
            this.comparison = comparison;
            this.negated = negated;
        }
    }

    private enum Qualifier { SINGLE, FOR_ALL_VALUES, FOR_ANY_VALUE }

    /** A condition block's operator as written ({@code ForAllValues:StringLikeIfExists}), parsed into its parts. */
    private record ConditionOperator(Qualifier qualifier, Operator operator, boolean ifExists) {
        private static final String FOR_ALL = "ForAllValues:";
        private static final String FOR_ANY = "ForAnyValue:";
        private static final String IF_EXISTS = "IfExists";

        /** Empty when the operator is not one of those implemented. */
        static Optional<ConditionOperator> parse(String written) {
            String name = written;
            Qualifier qualifier = Qualifier.SINGLE;
            if (name.startsWith(FOR_ALL)) {
                qualifier = Qualifier.FOR_ALL_VALUES;
                name = name.substring(FOR_ALL.length());
            } else if (name.startsWith(FOR_ANY)) {
                qualifier = Qualifier.FOR_ANY_VALUE;
                name = name.substring(FOR_ANY.length());
            }
            Operator exact = Operator.BY_NAME.get(name);
            if (exact != null) {
                return Optional.of(new ConditionOperator(qualifier, exact, false));
            }
            if (name.endsWith(IF_EXISTS)) {
                Operator base = Operator.BY_NAME.get(name.substring(0, name.length() - IF_EXISTS.length()));
                if (base != null && base != Operator.NULL) {
                    return Optional.of(new ConditionOperator(qualifier, base, true));
                }
            }
            return Optional.empty();
        }
    }

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
        if (principal != null && principalMatch(s.get("Principal"), principal) == PrincipalMatch.NONE) {
            return false;
        }
        return conditionsHold(s.get("Condition"), context);
    }

    /** How a statement's Principal element names the principal. */
    static PrincipalMatch principalMatch(JsonNode p, Principal principal) {
        if (p == null) {
            return PrincipalMatch.NONE;
        }
        if (p.isTextual()) {
            return "*".equals(p.asText()) ? PrincipalMatch.ANYONE_OR_ACCOUNT : PrincipalMatch.NONE;
        }
        JsonNode aws = p.get("AWS");
        if (aws == null) {
            return PrincipalMatch.NONE;
        }
        String root = "arn:" + partition(principal.arn()) + ":iam::" + principal.accountId() + ":root";
        PrincipalMatch match = PrincipalMatch.NONE;
        for (String candidate : strings(aws)) {
            if (candidate.equals(principal.arn()) || (principal.roleArn() != null && candidate.equals(principal.roleArn()))) {
                return PrincipalMatch.DIRECTLY;
            }
            if (candidate.equals("*") || candidate.equals(principal.accountId()) || candidate.equals(root)) {
                match = PrincipalMatch.ANYONE_OR_ACCOUNT;
            }
        }
        return match;
    }

    /** Whether some statement of the trust policy names this principal itself (not only its account or anyone). */
    static boolean namesPrincipalDirectly(JsonNode trustPolicy, Principal principal) {
        return list(trustPolicy.get("Statement")).stream()
                .anyMatch(s -> principalMatch(s.get("Principal"), principal) == PrincipalMatch.DIRECTLY);
    }

    private static String partition(String arn) {
        String[] parts = arn.split(":");
        return parts.length > 1 ? parts[1] : "aws";
    }

    private static boolean conditionsHold(JsonNode conditions, Map<String, List<String>> context) {
        if (conditions == null) {
            return true;
        }
        for (Map.Entry<String, JsonNode> block : conditions.properties()) {
            Optional<ConditionOperator> operator = ConditionOperator.parse(block.getKey());
            if (operator.isEmpty()) {
                return false;
            }
            for (Map.Entry<String, JsonNode> key : block.getValue().properties()) {
                if (!holds(operator.get(), context.get(key.getKey().toLowerCase(Locale.ROOT)), strings(key.getValue()))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean holds(ConditionOperator c, List<String> actual, List<String> expected) {
        boolean absent = actual == null || actual.isEmpty();
        if (c.operator() == Operator.NULL) {
            return expected.contains(Boolean.toString(absent));
        }
        if (absent) {
            // IAM: a missing key satisfies IfExists, ForAllValues (vacuously) and the negated operators
            return c.ifExists() || c.qualifier() == Qualifier.FOR_ALL_VALUES
                    || (c.operator().negated && c.qualifier() == Qualifier.SINGLE);
        }
        boolean negated = c.operator().negated;
        return switch (c.qualifier()) {
            case FOR_ALL_VALUES -> actual.stream().allMatch(a -> negated != matchesAny(c.operator().comparison, a, expected));
            case FOR_ANY_VALUE -> actual.stream().anyMatch(a -> negated != matchesAny(c.operator().comparison, a, expected));
            case SINGLE -> negated != actual.stream().anyMatch(a -> matchesAny(c.operator().comparison, a, expected));
        };
    }

    private static boolean matchesAny(Comparison comparison, String actual, List<String> expected) {
        for (String e : expected) {
            if (matches(comparison, actual, e)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Comparison comparison, String actual, String expected) {
        return switch (comparison) {
            case EQUALS -> actual.equals(expected);
            case EQUALS_IGNORE_CASE, BOOL -> actual.equalsIgnoreCase(expected);
            case LIKE -> wildcard(expected, actual, false);
            case NUMERIC_EQ, NUMERIC_LT, NUMERIC_LE, NUMERIC_GT, NUMERIC_GE -> numeric(comparison, actual, expected);
            case NULL -> throw new IllegalStateException("Null is decided on presence, not on values");
        };
    }

    private static boolean numeric(Comparison comparison, String actual, String expected) {
        BigDecimal a;
        BigDecimal e;
        try {
            a = new BigDecimal(actual);
            e = new BigDecimal(expected);
        } catch (NumberFormatException notANumber) {
            return false;
        }
        int order = a.compareTo(e);
        return switch (comparison) {
            case NUMERIC_EQ -> order == 0;
            case NUMERIC_LT -> order < 0;
            case NUMERIC_LE -> order <= 0;
            case NUMERIC_GT -> order > 0;
            case NUMERIC_GE -> order >= 0;
            default -> throw new IllegalArgumentException(comparison + " is not numeric");
        };
    }

    private static boolean anyMatch(JsonNode patterns, String value, boolean ignoreCase) {
        for (String p : strings(patterns)) {
            if (wildcard(p, value, ignoreCase)) {
                return true;
            }
        }
        return false;
    }

    private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

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
