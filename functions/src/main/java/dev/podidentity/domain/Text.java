package dev.podidentity.domain;

/** Helpers for putting caller input into messages safely. */
public final class Text {
    private static final int MAX_ECHO = 120;

    private Text() {
    }

    /** The value as it may appear in an error message: control characters escaped, long values cut. */
    public static String printable(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_ECHO) + 8);
        for (int i = 0; i < value.length() && out.length() < MAX_ECHO; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (value.length() > MAX_ECHO || out.length() >= MAX_ECHO && value.length() > out.length()) {
            out.append("...");
        }
        return out.toString();
    }
}
