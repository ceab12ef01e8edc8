package dev.courier.chat.store;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

import dev.courier.proto.chat.Message;

/**
 * A {@link ChatStore} on a JDBC database (H2 or PostgreSQL), with its schema kept by Flyway
 * migrations under {@code db/chat}.
 */
public final class JdbcChatStore implements ChatStore {

    private static final String MESSAGE_COLUMNS = "seq, id, client_id, user_id, subject, text, sent_at";
    /*
     * History's pages after and before a cursor. The order names every column of the primary
     * key, though the first two are fixed: H2 reads an index in order only for an ORDER BY that
     * spells it out, and otherwise reads the whole chat to sort it.
     */
    static final String SELECT_PAGE =
            "SELECT " + MESSAGE_COLUMNS + " FROM chat_messages WHERE namespace = ? AND chat_id = ?";
    static final String FORWARD_PAGE = " AND seq > ? ORDER BY namespace, chat_id, seq LIMIT ?";
    static final String BACKWARD_PAGE = " AND seq < ? ORDER BY namespace DESC, chat_id DESC, seq DESC LIMIT ?";
    /** SQLSTATE of a unique key violation, on H2 and PostgreSQL alike. */
    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource dataSource;
    private final String selectByClientId;
    private final String selectSeqById;

    private JdbcChatStore(DataSource dataSource, boolean h2) {
        this.dataSource = dataSource;
        selectByClientId = selectByClientId(h2);
        selectSeqById = selectSeqById(h2);
    }

    /*
     * The lookups of a message by client_id and by id. H2 plans a statement once per connection
     * and keeps that plan while the connection lives: planned on an empty table, these lookups
     * would go through the primary key and read the whole chat ever after. On H2 they name their
     * unique index; PostgreSQL plans from the current statistics.
     */
    static String selectByClientId(boolean h2) {
        return "SELECT " + MESSAGE_COLUMNS + " FROM chat_messages" +
               (h2 ? " USE INDEX (chat_messages_by_client_id)" : "") +
               " WHERE namespace = ? AND chat_id = ? AND client_id = ?";
    }

    static String selectSeqById(boolean h2) {
        return "SELECT seq FROM chat_messages" + (h2 ? " USE INDEX (chat_messages_by_id)" : "") +
               " WHERE namespace = ? AND chat_id = ? AND id = ?";
    }

    /** Brings the schema of the database up to date and returns a store on it. */
    public static JdbcChatStore migrate(DataSource dataSource) {
        requireNonNull(dataSource, "dataSource");
        Flyway.configure()
              .dataSource(dataSource)
              .locations("classpath:db/chat")
              // Each service keeps its own history, so they can share one database.
              .table("flyway_chat_history")
              .baselineOnMigrate(true)
              .baselineVersion("0")
              .load()
              .migrate();
        try (Connection c = dataSource.getConnection()) {
            return new JdbcChatStore(dataSource, "H2".equals(c.getMetaData().getDatabaseProductName()));
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    @Override
    public void createChat(String namespace, String chatId, List<String> userIds, long createdAtSeconds) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement(
                     "INSERT INTO chats (namespace, id, user_ids, created_at, last_seq) VALUES (?, ?, ?, ?, 0)")) {
            insert.setString(1, namespace);
            insert.setString(2, chatId);
            insert.setString(3, String.join("\n", userIds));
            insert.setLong(4, createdAtSeconds);
            insert.executeUpdate();
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw new StoreException(e);
            }
            // The chat exists: New is idempotent.
        }
    }

    @Override
    public boolean chatExists(String namespace, String chatId) {
        try (Connection c = dataSource.getConnection()) {
            return chatExists(c, namespace, chatId);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    @Override
    public List<Optional<Sent>> send(List<Outgoing> messages) {
        requireNonNull(messages, "messages");
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                final List<Optional<Sent>> sent = send(c, messages);
                c.commit();
                return sent;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    private List<Optional<Sent>> send(Connection c, List<Outgoing> messages) throws SQLException {
        final Sent[] sent = new Sent[messages.size()];
        // Chats in key order: batches running at once, on one node or on several that share the
        // database, then lock their rows in one order and wait for each other instead of
        // deadlocking.
        final Map<ChatKey, List<Integer>> byChat = new TreeMap<>();
        for (int i = 0; i < messages.size(); i++) {
            final Outgoing message = messages.get(i);
            byChat.computeIfAbsent(new ChatKey(message.namespace(), message.message().getChatId()),
                                   key -> new ArrayList<>()).add(i);
        }
        // The lock is an UPDATE that changes nothing, and the row stays locked until commit:
        // senders of one chat take turns, so a retried client_id is always found by the second.
        try (PreparedStatement lock = c.prepareStatement(
                     "UPDATE chats SET last_seq = last_seq WHERE namespace = ? AND id = ?");
             PreparedStatement last = c.prepareStatement(
                     "SELECT last_seq FROM chats WHERE namespace = ? AND id = ?");
             PreparedStatement byClientId = c.prepareStatement(selectByClientId);
             PreparedStatement insert = c.prepareStatement(
                     "INSERT INTO chat_messages (namespace, chat_id, " + MESSAGE_COLUMNS + ")" +
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement bump = c.prepareStatement(
                     "UPDATE chats SET last_seq = ? WHERE namespace = ? AND id = ?")) {
            for (Map.Entry<ChatKey, List<Integer>> chat : byChat.entrySet()) {
                final ChatKey key = chat.getKey();
                lock.setString(1, key.namespace());
                lock.setString(2, key.chatId());
                if (lock.executeUpdate() == 0) {
                    continue;
                }
                last.setString(1, key.namespace());
                last.setString(2, key.chatId());
                final long lastSeq;
                try (ResultSet rows = last.executeQuery()) {
                    rows.next();
                    lastSeq = rows.getLong(1);
                }
                long seq = lastSeq;
                // Client ids stored by this batch, which the lookup would not find until commit.
                final Map<String, Message> stored = new HashMap<>();
                for (int index : chat.getValue()) {
                    final Outgoing outgoing = messages.get(index);
                    final Message message = outgoing.message();
                    if (outgoing.clientChoseId()) {
                        final Message earlier = stored.containsKey(message.getClientId())
                                                ? stored.get(message.getClientId())
                                                : find(byClientId, key, message.getClientId());
                        if (earlier != null) {
                            sent[index] = new Sent(earlier, false);
                            continue;
                        }
                        stored.put(message.getClientId(), message);
                    }
                    seq++;
                    insert.setString(1, key.namespace());
                    insert.setString(2, key.chatId());
                    insert.setLong(3, seq);
                    insert.setString(4, message.getId());
                    insert.setString(5, message.getClientId());
                    insert.setString(6, message.getUserId());
                    insert.setString(7, message.getSubject());
                    insert.setString(8, message.getText());
                    insert.setLong(9, message.getSentAt());
                    insert.addBatch();
                    sent[index] = new Sent(message, true);
                }
                if (seq != lastSeq) {
                    insert.executeBatch();
                    bump.setLong(1, seq);
                    bump.setString(2, key.namespace());
                    bump.setString(3, key.chatId());
                    bump.executeUpdate();
                }
            }
        }
        final List<Optional<Sent>> results = new ArrayList<>(sent.length);
        for (Sent one : sent) {
            results.add(Optional.ofNullable(one));
        }
        return results;
    }

    private static Message find(PreparedStatement byClientId, ChatKey key, String clientId) throws SQLException {
        byClientId.setString(1, key.namespace());
        byClientId.setString(2, key.chatId());
        byClientId.setString(3, clientId);
        try (ResultSet rows = byClientId.executeQuery()) {
            return rows.next() ? message(rows, key.chatId()) : null;
        }
    }

    /** A chat, ordered as its rows are locked. */
    private record ChatKey(String namespace, String chatId) implements Comparable<ChatKey> {
        @Override
        public int compareTo(ChatKey other) {
            final int byNamespace = namespace.compareTo(other.namespace);
            return byNamespace != 0 ? byNamespace : chatId.compareTo(other.chatId);
        }
    }

    @Override
    public Optional<List<Message>> history(String namespace, String chatId, String beforeId, String afterId,
                                           int limit) {
        try (Connection c = dataSource.getConnection()) {
            if (!chatExists(c, namespace, chatId)) {
                return Optional.empty();
            }
            final String cursorId = !beforeId.isEmpty() ? beforeId : afterId;
            long cursor = Long.MAX_VALUE;
            if (!cursorId.isEmpty()) {
                final Optional<Long> seq = seqOf(c, namespace, chatId, cursorId);
                if (seq.isEmpty()) {
                    return Optional.empty();
                }
                cursor = seq.get();
            }
            final boolean forward = !afterId.isEmpty();
            try (PreparedStatement select = c.prepareStatement(
                    SELECT_PAGE + (forward ? FORWARD_PAGE : BACKWARD_PAGE))) {
                select.setString(1, namespace);
                select.setString(2, chatId);
                select.setLong(3, cursor);
                select.setInt(4, limit);
                final List<Message> messages = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        messages.add(message(rows, chatId));
                    }
                }
                if (!forward) {
                    Collections.reverse(messages);
                }
                return Optional.of(messages);
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    private static boolean chatExists(Connection c, String namespace, String chatId) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT 1 FROM chats WHERE namespace = ? AND id = ?")) {
            select.setString(1, namespace);
            select.setString(2, chatId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next();
            }
        }
    }

    private Optional<Long> seqOf(Connection c, String namespace, String chatId, String id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(selectSeqById)) {
            select.setString(1, namespace);
            select.setString(2, chatId);
            select.setString(3, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(rows.getLong(1)) : Optional.empty();
            }
        }
    }

    private static Message message(ResultSet rows, String chatId) throws SQLException {
        return Message.newBuilder()
                      .setId(rows.getString(2))
                      .setClientId(rows.getString(3))
                      .setChatId(chatId)
                      .setUserId(rows.getString(4))
                      .setSubject(rows.getString(5))
                      .setText(rows.getString(6))
                      .setSentAt(rows.getLong(7))
                      .build();
    }
}
