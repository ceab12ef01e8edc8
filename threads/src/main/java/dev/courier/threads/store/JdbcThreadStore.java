package dev.courier.threads.store;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.Timestamp;

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.Message;

/**
 * A {@link ThreadStore} on a JDBC database (H2 or PostgreSQL), with its schema kept by Flyway
 * migrations under {@code db/threads}.
 */
public final class JdbcThreadStore implements ThreadStore {

    private static final Logger logger = LoggerFactory.getLogger(JdbcThreadStore.class);

    private static final String CONVERSATION_COLUMNS = "id, group_id, topic, created_at";

    /**
     * A page of a conversation, newest first. The order names every column of the messages' key,
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
                 PreparedStatement deleteIds = c.prepareStatement(
                         "DELETE FROM message_ids WHERE namespace = ? AND conversation_id = ?");
                 PreparedStatement deleteConversation = c.prepareStatement(
                         "DELETE FROM conversations WHERE namespace = ? AND id = ?")) {
                // Lock the conversation's row first, as createMessages does, so writers wait for the
                // delete: a message committed between deleting the messages and deleting the
                // conversation would otherwise outlive its conversation.
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
                deleteIds.setString(1, namespace);
                deleteIds.setString(2, id);
                deleteIds.executeUpdate();
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
    public List<MessageResult> createMessages(List<NewMessage> messages) {
        requireNonNull(messages, "messages");
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                return MessageBatch.write(c, messages);
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                if (messages.size() == 1) {
                    return List.of(MessageResult.failed(failure(e)));
                }
                logger.debug("A batch of {} messages failed, storing each alone: {}", messages.size(),
                             e.getMessage());
            }
            // Each alone, so that a message the database refuses fails only itself; on the same
            // connection, so that a lost database fails them at once instead of after a
            // connection timeout each.
            final List<MessageResult> results = new ArrayList<>(messages.size());
            for (NewMessage message : messages) {
                try {
                    results.add(MessageBatch.write(c, List.of(message)).get(0));
                } catch (SQLException | RuntimeException e) {
                    rollback(c, e);
                    results.add(MessageResult.failed(failure(e)));
                }
            }
            return results;
        } catch (SQLException e) {
            return Collections.nCopies(messages.size(), MessageResult.failed(new StoreException(e)));
        }
    }

    /** Rolls back after {@code cause}; a rollback that fails too is added to it. */
    private static void rollback(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static RuntimeException failure(Exception e) {
        return e instanceof SQLException sql ? new StoreException(sql) : (RuntimeException) e;
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

    static Timestamp timestamp(long micros) {
        return Timestamp.newBuilder()
                        .setSeconds(Math.floorDiv(micros, 1_000_000L))
                        .setNanos((int) Math.floorMod(micros, 1_000_000L) * 1000)
                        .build();
    }
}
