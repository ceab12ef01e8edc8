package dev.courier.threads.store;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

import com.google.protobuf.Timestamp;

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.Message;

/**
 * A {@link ThreadStore} on a JDBC database (H2 or PostgreSQL), with its schema kept by Flyway
 * migrations under {@code db/threads}.
 */
public final class JdbcThreadStore implements ThreadStore {

    private static final String CONVERSATION_COLUMNS = "id, group_id, topic, created_at";

    /**
     * A page of a conversation, newest first. The order names every column of messages_by_time,
     * though the first two are fixed: H2 reads an index in order only for an ORDER BY that
     * spells it out, and otherwise reads the whole conversation to sort it.
     */
    static final String SELECT_MESSAGES =
            "SELECT id, author_id, text, sent_at FROM messages" +
            " WHERE namespace = ? AND conversation_id = ? AND sent_at < ?" +
            " ORDER BY namespace DESC, conversation_id DESC, sent_at DESC LIMIT ?";

    private final DataSource dataSource;

    private JdbcThreadStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Brings the schema of the database up to date and returns a store on it.
     */
    public static JdbcThreadStore migrate(DataSource dataSource) {
        requireNonNull(dataSource, "dataSource");
        Flyway.configure()
              .dataSource(dataSource)
              .locations("classpath:db/threads")
              // Each service keeps its own history, so they can share one database.
              .table("flyway_threads_history")
              .baselineOnMigrate(true)
              .baselineVersion("0")
              .load()
              .migrate();
        return new JdbcThreadStore(dataSource);
    }

    @Override
    public Conversation createConversation(String namespace, String id, String groupId, String topic,
                                           long createdAtMicros) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement(
                     "INSERT INTO conversations (namespace, id, group_id, topic, created_at, last_sent_at)" +
                     " VALUES (?, ?, ?, ?, ?, 0)")) {
            insert.setString(1, namespace);
            insert.setString(2, id);
            insert.setString(3, groupId);
            insert.setString(4, topic);
            insert.setLong(5, createdAtMicros);
            insert.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException(e);
        }
        return Conversation.newBuilder()
                           .setId(id)
                           .setGroupId(groupId)
                           .setTopic(topic)
                           .setCreatedAt(timestamp(createdAtMicros))
                           .build();
    }

    @Override
    public Optional<Conversation> readConversation(String namespace, String id) {
        try (Connection c = dataSource.getConnection()) {
            return readConversation(c, namespace, id);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    @Override
    public Optional<Conversation> updateTopic(String namespace, String id, String topic) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement update = c.prepareStatement(
                    "UPDATE conversations SET topic = ? WHERE namespace = ? AND id = ?")) {
                update.setString(1, topic);
                update.setString(2, namespace);
                update.setString(3, id);
                if (update.executeUpdate() == 0) {
                    c.rollback();
                    return Optional.empty();
                }
                final Optional<Conversation> updated = readConversation(c, namespace, id);
                c.commit();
                return updated;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    @Override
    public boolean deleteConversation(String namespace, String id) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement lock = c.prepareStatement(
                         "SELECT id FROM conversations WHERE namespace = ? AND id = ? FOR UPDATE");
                 PreparedStatement deleteMessages = c.prepareStatement(
                         "DELETE FROM messages WHERE namespace = ? AND conversation_id = ?");
                 PreparedStatement deleteConversation = c.prepareStatement(
                         "DELETE FROM conversations WHERE namespace = ? AND id = ?")) {
                // Lock the conversation's row first, as createMessage does, so writers wait for the
                // delete: a message committed between deleting the messages and deleting the
                // conversation would otherwise fail the delete on the messages' foreign key.
                lock.setString(1, namespace);
                lock.setString(2, id);
                try (ResultSet rows = lock.executeQuery()) {
                    if (!rows.next()) {
                        c.rollback();
                        return false;
                    }
                }
                deleteMessages.setString(1, namespace);
                deleteMessages.setString(2, id);
                deleteMessages.executeUpdate();
                deleteConversation.setString(1, namespace);
                deleteConversation.setString(2, id);
                final boolean existed = deleteConversation.executeUpdate() > 0;
                c.commit();
                return existed;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    @Override
    public List<Conversation> listConversations(String namespace, String groupId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement(
                     "SELECT " + CONVERSATION_COLUMNS + " FROM conversations" +
                     " WHERE namespace = ? AND group_id = ? ORDER BY created_at, id")) {
            select.setString(1, namespace);
            select.setString(2, groupId);
            try (ResultSet rows = select.executeQuery()) {
                final List<Conversation> conversations = new ArrayList<>();
                while (rows.next()) {
                    conversations.add(conversation(rows));
                }
                return conversations;
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    @Override
    public Optional<Message> createMessage(String namespace, String conversationId, String id,
                                           String authorId, String text, long nowMicros) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                final Optional<Message> message =
                        createMessage(c, namespace, conversationId, id, authorId, text, nowMicros);
                c.commit();
                return message;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    private static Optional<Message> createMessage(Connection c, String namespace, String conversationId,
                                                   String id, String authorId, String text,
                                                   long nowMicros) throws SQLException {
        // Bumping the conversation's clock locks its row until commit: writers of one
        // conversation take turns, so sent_at grows with commit order and a reader paging by
        // sent_at never finds an older message appearing behind a newer one it has seen.
        try (PreparedStatement bump = c.prepareStatement(
                "UPDATE conversations SET last_sent_at =" +
                " CASE WHEN last_sent_at >= ? THEN last_sent_at + 1 ELSE ? END" +
                " WHERE namespace = ? AND id = ?")) {
            bump.setLong(1, nowMicros);
            bump.setLong(2, nowMicros);
            bump.setString(3, namespace);
            bump.setString(4, conversationId);
            if (bump.executeUpdate() == 0) {
                return Optional.empty();
            }
        }
        final String messageId;
        if (id.isEmpty()) {
            messageId = UUID.randomUUID().toString();
        } else {
            messageId = id;
            final Optional<Message> existing = readMessage(c, namespace, conversationId, id);
            if (existing.isPresent()) {
                return existing;
            }
        }
        final long sentAt;
        try (PreparedStatement select = c.prepareStatement(
                "SELECT last_sent_at FROM conversations WHERE namespace = ? AND id = ?")) {
            select.setString(1, namespace);
            select.setString(2, conversationId);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                sentAt = rows.getLong(1);
            }
        }
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO messages (namespace, conversation_id, id, author_id, text, sent_at)" +
                " VALUES (?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, namespace);
            insert.setString(2, conversationId);
            insert.setString(3, messageId);
            insert.setString(4, authorId);
            insert.setString(5, text);
            insert.setLong(6, sentAt);
            insert.executeUpdate();
        }
        return Optional.of(Message.newBuilder()
                                  .setId(messageId)
                                  .setConversationId(conversationId)
                                  .setAuthorId(authorId)
                                  .setText(text)
                                  .setSentAt(timestamp(sentAt))
                                  .build());
    }

    @Override
    public List<Message> listMessages(String namespace, String conversationId, long sentBeforeMicros,
                                      int limit) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement(SELECT_MESSAGES)) {
            final List<Message> messages = new ArrayList<>(Math.min(limit, 64));
            selectMessages(select, namespace, conversationId, sentBeforeMicros, limit, messages);
            return messages;
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    @Override
    public List<Message> recentMessages(String namespace, List<String> conversationIds,
                                        int limitPerConversation) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement(SELECT_MESSAGES)) {
            final List<Message> messages = new ArrayList<>();
            for (String conversationId : conversationIds) {
                selectMessages(select, namespace, conversationId, Long.MAX_VALUE, limitPerConversation,
                               messages);
            }
            return messages;
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    private static void selectMessages(PreparedStatement select, String namespace, String conversationId,
                                       long sentBeforeMicros, int limit, List<Message> into)
            throws SQLException {
        select.setString(1, namespace);
        select.setString(2, conversationId);
        select.setLong(3, sentBeforeMicros);
        select.setInt(4, limit);
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                into.add(Message.newBuilder()
                                .setId(rows.getString(1))
                                .setConversationId(conversationId)
                                .setAuthorId(rows.getString(2))
                                .setText(rows.getString(3))
                                .setSentAt(timestamp(rows.getLong(4)))
                                .build());
            }
        }
    }

    private static Optional<Message> readMessage(Connection c, String namespace, String conversationId,
                                                 String id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(
                "SELECT author_id, text, sent_at FROM messages" +
                " WHERE namespace = ? AND conversation_id = ? AND id = ?")) {
            select.setString(1, namespace);
            select.setString(2, conversationId);
            select.setString(3, id);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                return Optional.of(Message.newBuilder()
                                          .setId(id)
                                          .setConversationId(conversationId)
                                          .setAuthorId(rows.getString(1))
                                          .setText(rows.getString(2))
                                          .setSentAt(timestamp(rows.getLong(3)))
                                          .build());
            }
        }
    }

    private static Optional<Conversation> readConversation(Connection c, String namespace, String id)
            throws SQLException {
        try (PreparedStatement select = c.prepareStatement(
                "SELECT " + CONVERSATION_COLUMNS + " FROM conversations WHERE namespace = ? AND id = ?")) {
            select.setString(1, namespace);
            select.setString(2, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(conversation(rows)) : Optional.empty();
            }
        }
    }

    private static Conversation conversation(ResultSet rows) throws SQLException {
        return Conversation.newBuilder()
                           .setId(rows.getString(1))
                           .setGroupId(rows.getString(2))
                           .setTopic(rows.getString(3))
                           .setCreatedAt(timestamp(rows.getLong(4)))
                           .build();
    }

    private static Timestamp timestamp(long micros) {
        return Timestamp.newBuilder()
                        .setSeconds(Math.floorDiv(micros, 1_000_000L))
                        .setNanos((int) Math.floorMod(micros, 1_000_000L) * 1000)
                        .build();
    }
}
