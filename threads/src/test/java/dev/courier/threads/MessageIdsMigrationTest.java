package dev.courier.threads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.zaxxer.hikari.HikariDataSource;

import dev.courier.proto.threads.Message;
import dev.courier.threads.store.JdbcThreadStore;
import dev.courier.threads.store.ThreadStore;

/**
 * Messages keyed by sent_at, with the ids clients chose kept apart: the messages stored before
 * the change are all still listed, and still found by their ids when a client retries; deleting
 * a conversation forgets its ids too.
 */
class MessageIdsMigrationTest {

    private static final String NAMESPACE = "default";
    private static final long NOW = Micros.of(Instant.parse("2030-01-02T03:04:05Z"));
    private static final String SERVER_MADE = "0190f1e2-7a3b-7c4d-8e5f-0123456789ab";

    @TempDir
    Path dataDir;

    @Test
    void messagesStoredBeforeTheChangeAreListedAndFoundByTheirIds() throws SQLException {
        try (HikariDataSource dataSource = TestDatabase.open(dataDir, "threads", 4)) {
            storeUnderTheFirstSchema(dataSource);
            final ThreadStore store = JdbcThreadStore.migrate(dataSource);

            final List<Message> listed = store.listMessages(NAMESPACE, "c1", Long.MAX_VALUE, 10);
            assertEquals(List.of(SERVER_MADE, "client-1"), listed.stream().map(Message::getId).toList());
            assertEquals(List.of("second", "first"), listed.stream().map(Message::getText).toList());

            // A retry of either gets the stored message back, not a new one.
            final Message retried = store.createMessage(NAMESPACE, "c1", "client-1", "bob", "again", NOW + 100)
                                         .orElseThrow();
            assertEquals("first", retried.getText());
            assertEquals(NOW + 1, Micros.of(retried.getSentAt()));
            assertEquals("second", store.createMessage(NAMESPACE, "c1", SERVER_MADE, "bob", "again", NOW + 100)
                                        .orElseThrow().getText());
            // A new message goes after them, and its id is found on retry too.
            final Message fresh = store.createMessage(NAMESPACE, "c1", "client-2", "bob", "third", NOW)
                                       .orElseThrow();
            assertEquals(NOW + 3, Micros.of(fresh.getSentAt()));
            assertEquals(fresh, store.createMessage(NAMESPACE, "c1", "client-2", "bob", "other", NOW + 200)
                                     .orElseThrow());
            assertEquals(3, store.listMessages(NAMESPACE, "c1", Long.MAX_VALUE, 10).size());
        }
    }

    @Test
    void aDeletedConversationsIdsAreForgotten() {
        try (HikariDataSource dataSource = TestDatabase.open(dataDir, "threads", 4)) {
            final ThreadStore store = JdbcThreadStore.migrate(dataSource);
            store.createConversation(NAMESPACE, "c1", "g", "t", NOW);
            store.createMessage(NAMESPACE, "c1", "client-1", "ann", "before", NOW).orElseThrow();

            assertTrue(store.deleteConversation(NAMESPACE, "c1"));
            store.createConversation(NAMESPACE, "c1", "g", "t", NOW + 10);
            final Message after = store.createMessage(NAMESPACE, "c1", "client-1", "ann", "after", NOW + 10)
                                       .orElseThrow();

            assertEquals("after", after.getText());
            assertEquals(List.of(after), store.listMessages(NAMESPACE, "c1", Long.MAX_VALUE, 10));
        }
    }

    /** A conversation with two messages, written as the first version of the schema stored them. */
    private static void storeUnderTheFirstSchema(HikariDataSource dataSource) throws SQLException {
        Flyway.configure()
              .dataSource(dataSource)
              .locations("classpath:db/threads")
              .table("flyway_threads_history")
              .baselineOnMigrate(true)
              .baselineVersion("0")
              .target("1")
              .load()
              .migrate();
        try (Connection c = dataSource.getConnection();
             PreparedStatement conversation = c.prepareStatement(
                     "INSERT INTO conversations (namespace, id, group_id, topic, created_at, last_sent_at)" +
                     " VALUES (?, 'c1', 'g', 't', ?, ?)");
             PreparedStatement message = c.prepareStatement(
                     "INSERT INTO messages (namespace, conversation_id, id, author_id, text, sent_at)" +
                     " VALUES (?, 'c1', ?, 'ann', ?, ?)")) {
            conversation.setString(1, NAMESPACE);
            conversation.setLong(2, NOW);
            conversation.setLong(3, NOW + 2);
            conversation.executeUpdate();
            message.setString(1, NAMESPACE);
            message.setString(2, "client-1");
            message.setString(3, "first");
            message.setLong(4, NOW + 1);
            message.executeUpdate();
            message.setString(2, SERVER_MADE);
            message.setString(3, "second");
            message.setLong(4, NOW + 2);
            message.executeUpdate();
        }
    }
}
