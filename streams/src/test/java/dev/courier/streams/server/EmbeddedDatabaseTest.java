package dev.courier.streams.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.zaxxer.hikari.HikariConfig;

/** The embedded database every server opens when it has no shared one: a real H2 file. */
class EmbeddedDatabaseTest {

    private static final int COMMITS = 40_000;

    @TempDir
    Path dir;

    /**
     * Each commit writes a chunk of its own; without housekeeping the chunks that keep a few live
     * pages are never rewritten, and this file grew to 24 MB for these 40,000 commits of small rows
     * (a few MB with it).
     * H2 keeps dead chunks for 45 s before it reuses their space, longer than a test should run,
     * so this one has it reuse them at once.
     */
    @Test
    void theFileStaysSmallUnderACommitPerRow() throws Exception {
        try (EmbeddedDatabase database = new EmbeddedDatabase(dir.resolve("db"), new HikariConfig());
             Connection c = database.getConnection();
             Statement statement = c.createStatement()) {
            statement.execute("SET RETENTION_TIME 0");
            statement.execute("CREATE TABLE rows (id INT PRIMARY KEY, text VARCHAR(100))");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO rows VALUES (?, ?)")) {
                for (int i = 0; i < COMMITS; i++) {
                    insert.setInt(1, i);
                    insert.setString(2, "row number " + i + " of the housekeeping test");
                    insert.executeUpdate();
                }
            }
            try (ResultSet count = statement.executeQuery("SELECT COUNT(*) FROM rows")) {
                count.next();
                assertEquals(COMMITS, count.getInt(1));
            }
            final long size = Files.size(dir.resolve("db.mv.db"));
            assertTrue(size < 10 * 1024 * 1024, "the file holds " + (size >> 20) + " MB");
        }
    }

    @Test
    void closeEndsTheHousekeeping() throws Exception {
        final long before = housekeepingThreads();
        final EmbeddedDatabase database = new EmbeddedDatabase(dir.resolve("db"), new HikariConfig());
        assertEquals(before + 1, housekeepingThreads());

        database.close();

        assertEquals(before, housekeepingThreads());
        // The file is closed too: another database can open it.
        try (EmbeddedDatabase again = new EmbeddedDatabase(dir.resolve("db"), new HikariConfig());
             Connection c = again.getConnection()) {
            assertTrue(c.isValid(1));
        }
    }

    private static long housekeepingThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                     .filter(thread -> thread.isAlive() && "h2-housekeeping".equals(thread.getName()))
                     .count();
    }
}
