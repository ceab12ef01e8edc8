package dev.courier.chat;

/**
 * The sizes Chat accepts. Lengths are counted in UTF-8 bytes.
 */
final class Limits {

    /** Longest user_id or client_id. */
    static final int MAX_ID_BYTES = 128;
    /** Most users in one chat. */
    static final int MAX_USERS = 1000;
    /** Longest subject. */
    static final int MAX_SUBJECT_BYTES = 1024;
    /** Longest text: 64 KiB. */
    static final int MAX_TEXT_BYTES = 64 * 1024;
    /** Messages History returns when the request names no limit, and the most it returns. */
    static final int MAX_PAGE = 1000;
    /** Messages that may wait for a slow Connect stream before it is ended, by default. */
    static final int DEFAULT_QUEUE = 1024;
    /** Messages that may wait to be stored, in each lane of the writer, by default. */
    static final int DEFAULT_SEND_QUEUE = 4096;

    private Limits() {}
}
