package dev.courier.chat;

/** Strings of a chosen size in UTF-8 bytes, the unit of every Chat length limit. */
final class Strings {

    /** An ASCII string of {@code bytes} bytes (and as many chars). */
    static String ofBytes(int bytes) {
        return "x".repeat(bytes);
    }

    /** A string of {@code chars} two-byte chars ("é"): short in chars, long in bytes. */
    static String ofTwoByteChars(int chars) {
        return "é".repeat(chars);
    }

    private Strings() {}
}
