package dev.courier.threads.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

import dev.courier.proto.threads.Message;

/**
 * One transaction of {@link JdbcThreadStore#createMessages}: the messages of every conversation
 * named, each conversation's row locked until commit.
 */
final class MessageBatch {

    private MessageBatch() {}

    /** Stores the messages and commits; throws, leaving the rollback to the caller, if any fails. */
    static List<MessageResult> write(Connection c, List<NewMessage> messages) throws SQLException {
        final Message[] stored = new Message[messages.size()];
        // The lock is an UPDATE that changes nothing, not SELECT … FOR UPDATE: H2 keeps no parsed
        // FOR UPDATE query between calls and parsed it afresh for every batch, a fifth of the
        // batch's time; an UPDATE and a plain SELECT stay in its statement cache.
        try (PreparedStatement lock = c.prepareStatement(
                     "UPDATE conversations SET last_sent_at = last_sent_at WHERE namespace = ? AND id = ?");
             PreparedStatement last = c.prepareStatement(
                     "SELECT last_sent_at FROM conversations WHERE namespace = ? AND id = ?");
             PreparedStatement chosen = c.prepareStatement(
                     "SELECT sent_at FROM message_ids WHERE namespace = ? AND conversation_id = ? AND id = ?");
             PreparedStatement lookup = c.prepareStatement(
                     "SELECT id, author_id, text FROM messages" +
                     " WHERE namespace = ? AND conversation_id = ? AND sent_at = ?");
             PreparedStatement insert = c.prepareStatement(
                     "INSERT INTO messages (namespace, conversation_id, id, author_id, text, sent_at)" +
                     " VALUES (?, ?, ?, ?, ?, ?)");
             PreparedStatement remember = c.prepareStatement(
                     "INSERT INTO message_ids (namespace, conversation_id, id, sent_at) VALUES (?, ?, ?, ?)");
             PreparedStatement bump = c.prepareStatement(
                     "UPDATE conversations SET last_sent_at = ? WHERE namespace = ? AND id = ?")) {
            boolean inserted = false;
            // Conversations in key order: batches running at once, on one node or on several that
            // share the database, then lock their rows in one order and wait for each other
            // instead of deadlocking.
            for (Map.Entry<ConversationKey, List<Integer>> conversation : byConversation(messages).entrySet()) {
                final ConversationKey key = conversation.getKey();
                // The row stays locked until commit: writers of one conversation take turns, so
                // sent_at grows with commit order and a reader paging by sent_at never finds an
                // older message appearing behind a newer one it has seen.
                final OptionalLong lastSentAt = lock(lock, last, key);
                if (lastSentAt.isEmpty()) {
                    continue;
                }
                long sentAt = lastSentAt.getAsLong();
                final Map<String, Message> byClientId = new HashMap<>();
                for (int index : conversation.getValue()) {
                    final NewMessage message = messages.get(index);
                    if (!message.id().isEmpty()) {
                        final Message existing = byClientId.containsKey(message.id())
                                                 ? byClientId.get(message.id())
                                                 : read(chosen, lookup, key, message.id()).orElse(null);
                        if (existing != null) {
                            stored[index] = existing;
                            byClientId.put(message.id(), existing);
                            continue;
                        }
                    }
                    sentAt = Math.max(sentAt + 1, message.nowMicros());
                    stored[index] = add(insert, remember, message, sentAt);
                    byClientId.put(stored[index].getId(), stored[index]);
                }
                // sent_at moved only if a message is new.
                if (sentAt != lastSentAt.getAsLong()) {
                    bump.setLong(1, sentAt);
                    bump.setString(2, key.namespace());
                    bump.setString(3, key.id());
                    bump.addBatch();
                    inserted = true;
                }
            }
            if (inserted) {
                insert.executeBatch();
                remember.executeBatch();
                bump.executeBatch();
            }
        }
        c.commit();
        final List<MessageResult> results = new ArrayList<>(stored.length);
        for (Message message : stored) {
            results.add(MessageResult.of(Optional.ofNullable(message)));
        }
        return results;
    }

    /** The indexes of the messages of each conversation, in list order; the conversations in key order. */
    private static Map<ConversationKey, List<Integer>> byConversation(List<NewMessage> messages) {
        final Map<ConversationKey, List<Integer>> byConversation = new TreeMap<>();
        for (int index = 0; index < messages.size(); index++) {
            final NewMessage message = messages.get(index);
            byConversation.computeIfAbsent(new ConversationKey(message.namespace(), message.conversationId()),
                                           key -> new ArrayList<>())
                          .add(index);
        }
        return byConversation;
    }

    /** Locks the conversation's row; returns its last_sent_at, or empty if there is no such conversation. */
    private static OptionalLong lock(PreparedStatement lock, PreparedStatement last, ConversationKey key)
            throws SQLException {
        lock.setString(1, key.namespace());
        lock.setString(2, key.id());
        if (lock.executeUpdate() == 0) {
            return OptionalLong.empty();
        }
        last.setString(1, key.namespace());
        last.setString(2, key.id());
        try (ResultSet rows = last.executeQuery()) {
            return rows.next() ? OptionalLong.of(rows.getLong(1)) : OptionalLong.empty();
        }
    }

    /**
     * The stored message with this id: one whose id a client chose, found through message_ids, or
     * one whose id the server gave, found at the sent_at that such an id carries.
     */
    private static Optional<Message> read(PreparedStatement chosen, PreparedStatement lookup, ConversationKey key,
                                          String id) throws SQLException {
        chosen.setString(1, key.namespace());
        chosen.setString(2, key.id());
        chosen.setString(3, id);
        try (ResultSet rows = chosen.executeQuery()) {
            if (rows.next()) {
                final long sentAt = rows.getLong(1);
                return Optional.of(at(lookup, key, sentAt, id).orElseThrow(
                        () -> new SQLException("message_ids names a message that is not stored: " + id)));
            }
        }
        final OptionalLong given = MessageIds.sentAt(id);
        return given.isPresent() ? at(lookup, key, given.getAsLong(), id) : Optional.empty();
    }

    /** The message stored at {@code sentAt}, if it has this id. */
    private static Optional<Message> at(PreparedStatement lookup, ConversationKey key, long sentAt, String id)
            throws SQLException {
        lookup.setString(1, key.namespace());
        lookup.setString(2, key.id());
        lookup.setLong(3, sentAt);
        try (ResultSet rows = lookup.executeQuery()) {
            if (!rows.next() || !rows.getString(1).equals(id)) {
                return Optional.empty();
            }
            return Optional.of(Message.newBuilder()
                                      .setId(id)
                                      .setConversationId(key.id())
                                      .setAuthorId(rows.getString(2))
                                      .setText(rows.getString(3))
                                      .setSentAt(JdbcThreadStore.timestamp(sentAt))
                                      .build());
        }
    }

    /**
     * Adds the message to the insert batch and returns it as it will be stored. An empty id asks
     * for a new, unique one: such a message cannot exist yet, so none was looked for. An id the
     * client chose goes into message_ids too, for its retries to find.
     */
    private static Message add(PreparedStatement insert, PreparedStatement remember, NewMessage message, long sentAt)
            throws SQLException {
        final String id;
        if (message.id().isEmpty()) {
            id = MessageIds.of(sentAt);
        } else {
            id = message.id();
            remember.setString(1, message.namespace());
            remember.setString(2, message.conversationId());
            remember.setString(3, id);
            remember.setLong(4, sentAt);
            remember.addBatch();
        }
        insert.setString(1, message.namespace());
        insert.setString(2, message.conversationId());
        insert.setString(3, id);
        insert.setString(4, message.authorId());
        insert.setString(5, message.text());
        insert.setLong(6, sentAt);
        insert.addBatch();
        return Message.newBuilder()
                      .setId(id)
                      .setConversationId(message.conversationId())
                      .setAuthorId(message.authorId())
                      .setText(message.text())
                      .setSentAt(JdbcThreadStore.timestamp(sentAt))
                      .build();
    }

    /** A conversation's primary key, ordered by namespace, then id. */
    private record ConversationKey(String namespace, String id) implements Comparable<ConversationKey> {

        @Override
        public int compareTo(ConversationKey other) {
            final int byNamespace = namespace.compareTo(other.namespace);
            return byNamespace != 0 ? byNamespace : id.compareTo(other.id);
        }
    }
}
