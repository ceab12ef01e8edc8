package dev.courier.streams;

/**
 * The sizes Streams accepts.
 */
final class Limits {

    /** Longest message payload, in UTF-8 bytes: 256 KiB. */
    static final int MAX_MESSAGE_BYTES = 256 * 1024;
    /** Messages that may wait for one subscriber that does not read, by default. */
    static final int DEFAULT_QUEUE = 1024;

    private Limits() {}
}
