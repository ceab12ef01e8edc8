package dev.courier.gateway;

import java.util.regex.Pattern;

/**
 * Namespace names: 1 to 64 lower-case letters, digits, {@code -} and {@code _}, starting with a
 * letter or digit ({@code acme}, {@code team-7}).
 */
final class Namespaces {

    /** The namespace of callers that name none. */
    static final String DEFAULT = "default";

    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    private Namespaces() {}

    static boolean isValid(String namespace) {
        return VALID.matcher(namespace).matches();
    }
}
