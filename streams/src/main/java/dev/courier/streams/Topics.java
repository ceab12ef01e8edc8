package dev.courier.streams;

/**
 * Topic names: letters, digits, {@code -} and {@code _}, in tokens separated by single dots, at
 * most {@value #MAX_LENGTH} characters ({@code orders.eu-west.created}). Wildcards and slashes
 * are not names.
 */
final class Topics {

    static final int MAX_LENGTH = 255;

    private Topics() {}

    static boolean isValid(String topic) {
        final int length = topic.length();
        if (length == 0 || length > MAX_LENGTH) {
            return false;
        }
        boolean tokenStart = true;
        for (int i = 0; i < length; i++) {
            final char c = topic.charAt(i);
            if (c == '.') {
                if (tokenStart) {
                    return false;
                }
                tokenStart = true;
            } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_') {
                tokenStart = false;
            } else {
                return false;
            }
        }
        return !tokenStart;
    }
}
