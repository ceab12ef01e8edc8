package dev.courier.threads.store;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * A page of messages costs the page, not the conversation: on the embedded database the query
 * reads the messages' key, (namespace, conversation_id, sent_at), in order and stops after the
 * page, however many messages the conversation holds.
 */
class MessagePageQueryPlanTest {

    private static final int STORED = 500;
    private static final int PAGE = 7;

    @Test
    void aPageReadsOnlyItsOwnRowsInIndexOrder(@TempDir Path dir) throws SQLException {
        try (HikariDataSource dataSource = migrated(dir);
             Connection c = dataSource.getConnection()) {
            seed(c);
            final String plan = plan(c, "EXPLAIN ANALYZE ");
            assertTrue(plan.contains("PUBLIC.PRIMARY_KEY_"), plan);
            assertTrue(plan.contains("index sorted"), plan);
            assertTrue(plan.contains("scanCount: " + PAGE + " "), plan);
        }
    }

    /** H2 keeps a connection's first plan of a statement: made on an empty table, it must hold. */
    @Test
    void theIndexIsReadInOrderWhenPlannedOnAnEmptyTable(@TempDir Path dir) throws SQLException {
        try (HikariDataSource dataSource = migrated(dir);
             Connection c = dataSource.getConnection()) {
            final String plan = plan(c, "EXPLAIN ");
            assertTrue(plan.contains("PUBLIC.PRIMARY_KEY_"), plan);
            assertTrue(plan.contains("index sorted"), plan);
        }
    }

    private static String plan(Connection c, String explain) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(explain + JdbcThreadStore.SELECT_MESSAGES)) {
            select.setString(1, "ns");
            select.setString(2, "c");
            select.setLong(3, Long.MAX_VALUE);
            select.setInt(4, PAGE);
            try (ResultSet plan = select.executeQuery()) {
                plan.next();
                return plan.getString(1);
            }
        }
    }

    private static HikariDataSource migrated(Path dir) {
        assumeFalse("postgres".equals(System.getProperty("courier.store")), "a plan of the embedded database");
        final HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:file:" + dir.resolve("plan"));
        final HikariDataSource dataSource = new HikariDataSource(config);
        JdbcThreadStore.migrate(dataSource);
        return dataSource;
    }

    private static void seed(Connection c) throws SQLException {
        try (PreparedStatement conversation = c.prepareStatement(
                "INSERT INTO conversations (namespace, id, group_id, topic, created_at, last_sent_at)" +
                " VALUES ('ns', 'c', 'g', 't', 0, ?)");
             PreparedStatement messages = c.prepareStatement(
                     "INSERT INTO messages (namespace, conversation_id, id, author_id, text, sent_at)" +
                     " SELECT 'ns', 'c', 'm' || X, 'a', 'text', X FROM SYSTEM_RANGE(1, ?)")) {
            conversation.setLong(1, STORED);
            conversation.executeUpdate();
            messages.setLong(1, STORED);
            messages.executeUpdate();
        }
    }
}
