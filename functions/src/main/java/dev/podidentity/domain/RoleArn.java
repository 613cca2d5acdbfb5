package dev.podidentity.domain;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An IAM role ARN, {@code arn:PARTITION:iam::ACCOUNT:role/PATH/NAME}. */
public record RoleArn(String arn, String partition, String accountId, String path, String name) {
    private static final Pattern PATTERN = Pattern.compile(
            "arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::(\\d{12}):role"
                    + "(/|/[\\u0021-\\u007e]{1,510}/)([\\w+=,.@-]{1,64})");

    /** Parses {@code value}; {@code field} names the request member in messages. */
    public static RoleArn parse(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw ServiceException.invalidParameter(field + " is required");
        }
        if (value.length() > 2048) {
            throw ServiceException.invalidParameter(field + " is too long: an IAM role ARN has at most 2048 characters");
        }
        Matcher m = PATTERN.matcher(value);
        if (!m.matches()) {
            throw ServiceException.invalidParameter(field + " '" + Text.printable(value)
                    + "' is not an IAM role ARN: expected arn:aws:iam::123456789012:role/NAME (a role path is allowed)");
        }
        return new RoleArn(value, m.group(1), m.group(2), m.group(3), m.group(4));
    }

    @Override
    public String toString() {
        return arn;
    }
}
