package dev.courier.chat.store;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The store's reads cost what they return, not the size of the chat, on the embedded database:
 * History's pages read the primary key in order and stop after the page, and the lookups by
 * client_id and id use their unique indexes even when planned on an empty table (H2 keeps a
 * connection's first plan of a statement).
 */
class QueryPlanTest {

    private static final int STORED = 500;
    private static final int PAGE = 7;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aPageReadsOnlyItsOwnRowsInKeyOrder(boolean forward, @TempDir Path dir) throws SQLException {
        try (HikariDataSource dataSource = migrated(dir);
             Connection c = dataSource.getConnection()) {
            seed(c);
            final String page = forward ? JdbcChatStore.FORWARD_PAGE : JdbcChatStore.BACKWARD_PAGE;
            try (PreparedStatement explain =
                         c.prepareStatement("EXPLAIN ANALYZE " + JdbcChatStore.SELECT_PAGE + page)) {
                explain.setString(1, "ns");
                explain.setString(2, "c");
                explain.setLong(3, forward ? 0 : Long.MAX_VALUE);
                explain.setInt(4, PAGE);
                try (ResultSet plan = explain.executeQuery()) {
                    plan.next();
                    final String text = plan.getString(1);
                    assertTrue(text.contains("PRIMARY_KEY"), text);
                    assertTrue(text.contains("index sorted"), text);
                    assertTrue(text.contains("scanCount: " + PAGE + " "), text);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aLookupUsesItsUniqueIndexWhenPlannedOnAnEmptyChat(boolean byClientId, @TempDir Path dir)
            throws SQLException {
        try (HikariDataSource dataSource = migrated(dir);
             Connection c = dataSource.getConnection();
             PreparedStatement explain = c.prepareStatement(
                     "EXPLAIN " + (byClientId ? JdbcChatStore.selectByClientId(true)
                                              : JdbcChatStore.selectSeqById(true)))) {
            explain.setString(1, "ns");
            explain.setString(2, "c");
            explain.setString(3, "k1");
            try (ResultSet plan = explain.executeQuery()) {
                plan.next();
                final String text = plan.getString(1);
                assertTrue(text.contains(byClientId ? "CHAT_MESSAGES_BY_CLIENT_ID: " : "CHAT_MESSAGES_BY_ID: "), text);
            }
        }
    }

    private static HikariDataSource migrated(Path dir) {
        assumeFalse("postgres".equals(System.getProperty("courier.store")), "a plan of the embedded database");
        final HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:file:" + dir.resolve("plan"));
        final HikariDataSource dataSource = new HikariDataSource(config);
        JdbcChatStore.migrate(dataSource);
        return dataSource;
    }

    private static void seed(Connection c) throws SQLException {
        try (PreparedStatement chat = c.prepareStatement(
                "INSERT INTO chats (namespace, id, user_ids, created_at, last_seq) VALUES ('ns', 'c', 'a', 0, ?)");
             PreparedStatement messages = c.prepareStatement(
                     "INSERT INTO chat_messages (namespace, chat_id, seq, id, client_id, user_id, subject, text," +
                     " sent_at) SELECT 'ns', 'c', X, 'm' || X, 'k' || X, 'a', '', 'text', X" +
                     " FROM SYSTEM_RANGE(1, ?)")) {
            chat.setLong(1, STORED);
            chat.executeUpdate();
            messages.setLong(1, STORED);
            messages.executeUpdate();
        }
    }
}
