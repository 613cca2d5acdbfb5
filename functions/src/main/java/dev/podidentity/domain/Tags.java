package dev.podidentity.domain;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/** The AWS tag rules: 1–50 tags per resource, key 1–128 characters, value 0–256, no {@code aws:} keys. */
public final class Tags {
    public static final int MAX_TAGS = 50;

    private Tags() {
    }

    /** Validates tags given to a request; {@code code} is the error the operation answers with. */
    public static Map<String, String> validate(Map<String, String> tags, ErrorCode code) {
        if (tags == null) {
            return Map.of();
        }
        if (tags.size() > MAX_TAGS) {
            throw new ServiceException(code, "tags has " + tags.size() + " entries: at most " + MAX_TAGS + " tags are allowed");
        }
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            validateKey(tag.getKey(), code);
            String value = tag.getValue();
            if (value == null) {
                throw new ServiceException(code, "tag '" + Text.printable(tag.getKey()) + "' has no value: use a string (it may be empty)");
            }
            if (value.length() > 256) {
                throw new ServiceException(code, "tag '" + Text.printable(tag.getKey()) + "' has a value of " + value.length()
                        + " characters: at most 256 are allowed");
            }
            if (!allowedCharacters(value)) {
                throw new ServiceException(code, "tag '" + Text.printable(tag.getKey())
                        + "' has a value with characters tags cannot hold: use letters, digits, spaces and _ . : / = + - @");
            }
        }
        return new TreeMap<>(tags);
    }

    public static void validateKeys(Collection<String> keys, ErrorCode code) {
        if (keys == null || keys.isEmpty()) {
            throw new ServiceException(code, "tagKeys is required: name at least one tag key to remove");
        }
        if (keys.size() > MAX_TAGS) {
            throw new ServiceException(code, "tagKeys has " + keys.size() + " entries: at most " + MAX_TAGS + " are allowed");
        }
        for (String key : keys) {
            validateKey(key, code);
        }
    }

    private static void validateKey(String key, ErrorCode code) {
        if (key == null || key.isEmpty() || key.length() > 128) {
            throw new ServiceException(code, "tag key '" + Text.printable(key) + "' is invalid: keys have 1-128 characters");
        }
        if (key.regionMatches(true, 0, "aws:", 0, 4)) {
            throw new ServiceException(code, "tag key '" + Text.printable(key) + "' is reserved: keys may not start with 'aws:'");
        }
        if (!allowedCharacters(key)) {
            throw new ServiceException(code, "tag key '" + Text.printable(key)
                    + "' has characters tags cannot hold: use letters, digits, spaces and _ . : / = + - @");
        }
    }

    /** AWS's tag pattern {@code ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$}. */
    static boolean allowedCharacters(String s) {
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLetter(cp) || Character.isDigit(cp) || Character.isSpaceChar(cp)
                    || Character.getType(cp) == Character.LETTER_NUMBER || Character.getType(cp) == Character.OTHER_NUMBER
                    || "_.:/=+-@".indexOf(cp) >= 0) {
                continue;
            }
            return false;
        }
        return true;
    }
}
