package dev.podidentity.local.aws;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Who a set of credentials belongs to: an IAM user, or a role session (with its session tags, transitive keys,
 * session policy and whether it came from role chaining).
 */
public record Principal(
        String arn,
        String accountId,
        String userId,
        String roleArn,
        String roleName,
        String sessionName,
        Map<String, String> sessionTags,
        List<String> transitiveTagKeys,
        String sessionPolicy,
        String externalId,
        boolean chained) {

    public static Principal user(String arn, String accountId, String userId) {
        return new Principal(arn, accountId, userId, null, null, null, Map.of(), List.of(), null, null, false);
    }

    public boolean isRoleSession() {
        return roleArn != null;
    }

    /** The IAM entity whose policies apply: the user, or the session's role. */
    public String entityArn() {
        return isRoleSession() ? roleArn : arn;
    }

    /** Credentials: {@code sessionToken} null for long-term keys; {@code expiration} null when they never expire. */
    public record Credentials(String accessKeyId, String secretAccessKey, String sessionToken, Instant expiration,
                              Principal principal) {
    }
}
