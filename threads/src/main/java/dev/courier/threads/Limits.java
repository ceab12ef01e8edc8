package dev.courier.threads;

/**
 * The sizes Threads accepts. Lengths are counted in UTF-8 bytes.
 */
final class Limits {

    /** Longest id, group_id, author_id or conversation_id. */
    static final int MAX_ID_BYTES = 128;
    /** Longest topic. */
    static final int MAX_TOPIC_BYTES = 1024;
    /** Longest message text: 64 KiB. */
    static final int MAX_TEXT_BYTES = 64 * 1024;
    /** Page size of ListMessages and RecentMessages when the request names none. */
    static final int DEFAULT_PAGE = 25;
    /** Largest page of ListMessages and RecentMessages. */
    static final int MAX_PAGE = 1000;
    /** Most conversations one RecentMessages call reads. */
    static final int MAX_CONVERSATION_IDS = 200;

    private Limits() {}
}
