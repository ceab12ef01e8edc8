package dev.courier.streams.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.zaxxer.hikari.HikariConfig;

/**
 * The embedded database every server opens when it has no shared one: a real H2 file and its
 * journal. A crash is a copy of the files as they are on disk while the database runs, opened
 * elsewhere: what a killed process leaves. H2 is told to wait an hour before it writes on its own,
 * so that what a test finds after the crash came from the journal; each such test also opens the
 * copied file without the journal, to show that the file alone lacks it.
 */
class EmbeddedDatabaseTest {

    private static final long NEVER = 3_600_000;
    private static final String SCHEMA = "CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(100), visits BIGINT)";

    @TempDir
    Path dir;

    @Test
    void committedWritesSurviveACrashThroughTheJournal() throws Exception {
        final Path crashed;
        try (EmbeddedDatabase database = open(dir)) {
            try (Connection c = database.getConnection()) {
                c.setAutoCommit(false);
                insert(c, 1, "ann", 1);
                insert(c, 2, "bob", 2);
                insert(c, 3, "cid", 3);
                c.commit();

                try (Statement statement = c.createStatement()) {
                    statement.executeUpdate("UPDATE people SET visits = visits + 10 WHERE id <= 2");
                    statement.executeUpdate("DELETE FROM people WHERE id = 3");
                    // A key that changes: the row leaves its old key.
                    statement.executeUpdate("UPDATE people SET id = 20 WHERE id = 2");
                }
                c.commit();

                insert(c, 4, "rolled back", 4);
                c.rollback();

                // A statement that fails is undone; the rest of its transaction commits.
                insert(c, 5, "eve", 5);
                assertThrows(SQLException.class, () -> insert(c, 1, "duplicate", 0));
                c.commit();
            }
            try (Connection c = database.getConnection()) {
                c.setAutoCommit(false);
                insert(c, 7, "closed before its commit", 7);
            }
            try (Connection c = database.getConnection()) {
                insert(c, 6, "auto-committed", 6);
            }
            // Without fsync, no commit waits for the disk.
            assertEquals(0, database.journalSyncs());
            crashed = crash(dir);
        }

        final List<String> expected = List.of("1 ann 11", "5 eve 5", "6 auto-committed 6", "20 bob 12");
        assertEquals(List.of(), peopleWithoutTheJournal(crashed));
        try (EmbeddedDatabase reopened = open(crashed)) {
            assertEquals(expected, people(reopened));
        }
        // Replayed once, and then in the file: a second start finds the same rows.
        try (EmbeddedDatabase reopened = open(crashed)) {
            assertEquals(expected, people(reopened));
        }
    }

    /**
     * With fsync, every commit waits for its record to be on disk; commits made while a sync runs
     * share the next one instead of each waiting for its own.
     */
    @Test
    void withFsyncCommitsShareTheSyncsOfTheJournal() throws Exception {
        final int threads = 8;
        final int commitsEach = 100;
        final Path crashed;
        try (EmbeddedDatabase database = new EmbeddedDatabase(dir.resolve("db"), new HikariConfig(), true, NEVER)) {
            execute(database, "SET WRITE_DELAY " + NEVER, SCHEMA);
            database.startJournal();
            final ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                final List<Future<?>> writers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    final int first = t * commitsEach;
                    writers.add(pool.submit(() -> {
                        try (Connection c = database.getConnection()) {
                            for (int id = first; id < first + commitsEach; id++) {
                                insert(c, id, "person " + id, id);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> writer : writers) {
                    writer.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            final long syncs = database.journalSyncs();
            assertTrue(syncs > 0 && syncs < threads * commitsEach, syncs + " syncs for " + threads * commitsEach +
                                                                   " commits");
            crashed = crash(dir);
        }

        try (EmbeddedDatabase reopened = open(crashed)) {
            assertEquals(threads * commitsEach, people(reopened).size());
        }
    }

    @Test
    void aBatchThatFailsPartWayIsKeptByACheckpoint() throws Exception {
        final Path crashed;
        try (EmbeddedDatabase database = open(dir)) {
            try (Connection c = database.getConnection();
                 PreparedStatement insert = c.prepareStatement("INSERT INTO people VALUES (?, ?, ?)")) {
                c.setAutoCommit(false);
                for (int id : new int[] { 1, 2, 1, 3 }) {
                    insert.setInt(1, id);
                    insert.setString(2, "person " + id);
                    insert.setLong(3, id);
                    insert.addBatch();
                }
                assertThrows(BatchUpdateException.class, insert::executeBatch);
                c.commit();
            }
            crashed = crash(dir);
        }

        final List<String> expected = List.of("1 person 1 1", "2 person 2 2", "3 person 3 3");
        assertEquals(expected, peopleWithoutTheJournal(crashed));
        try (EmbeddedDatabase reopened = open(crashed)) {
            assertEquals(expected, people(reopened));
        }
    }

    @Test
    void aTransactionTooLargeForTheJournalIsKeptByACheckpoint() throws Exception {
        final Path crashed;
        try (EmbeddedDatabase database = open(dir)) {
            execute(database, "INSERT INTO people SELECT X, REPEAT('x', 100), X FROM SYSTEM_RANGE(1, 100000)");
            assertTrue(Files.size(journal(dir).get(0)) < PendingRows.MAX_BYTES);
            crashed = crash(dir);
        }

        assertEquals(100_000, peopleWithoutTheJournal(crashed).size());
    }

    @Test
    void aCheckpointDeletesTheJournalItCovers() throws Exception {
        final Path crashed;
        try (EmbeddedDatabase database = open(dir)) {
            try (Connection c = database.getConnection()) {
                insert(c, 1, "ann", 1);
            }
            final List<Path> before = journal(dir);
            assertEquals(1, before.size());
            assertTrue(Files.size(before.get(0)) > 0);

            database.checkpoint();

            final List<Path> after = journal(dir);
            assertEquals(1, after.size());
            assertEquals(0, Files.size(after.get(0)), "the new segment");
            assertTrue(Files.notExists(before.get(0)));
            try (Connection c = database.getConnection()) {
                insert(c, 2, "bob", 2);
            }
            crashed = crash(dir);
        }

        assertEquals(List.of("1 ann 1"), peopleWithoutTheJournal(crashed));
        try (EmbeddedDatabase reopened = open(crashed)) {
            assertEquals(List.of("1 ann 1", "2 bob 2"), people(reopened));
        }
    }

    @Test
    void aRecordCutShortByTheCrashIsLeftOut() throws Exception {
        final Path crashed;
        try (EmbeddedDatabase database = open(dir)) {
            try (Connection c = database.getConnection()) {
                insert(c, 1, "ann", 1);
            }
            crashed = crash(dir);
        }
        // The start of a record the process died writing: never answered.
        Files.write(journal(crashed).get(0), new byte[] { 0, 0, 1, 0, 7, 7 }, StandardOpenOption.APPEND);

        final Path crashedAgain;
        try (EmbeddedDatabase reopened = open(crashed)) {
            assertEquals(List.of("1 ann 1"), people(reopened));
            try (Connection c = reopened.getConnection()) {
                insert(c, 2, "bob", 2);
            }
            crashedAgain = crash(crashed);
        }
        try (EmbeddedDatabase reopened = open(crashedAgain)) {
            assertEquals(List.of("1 ann 1", "2 bob 2"), people(reopened));
        }
    }

    @Test
    void aTableRenamedByAMigrationIsJournaledUnderItsNewName() throws Exception {
        open(dir).close();
        final Path crashed;
        try (EmbeddedDatabase database = new EmbeddedDatabase(dir.resolve("db"), new HikariConfig(), false, NEVER)) {
            execute(database, "ALTER TABLE people RENAME TO persons");
            database.startJournal();
            execute(database, "INSERT INTO persons VALUES (1, 'ann', 1)");
            crashed = crash(dir);
        }

        try (EmbeddedDatabase reopened = new EmbeddedDatabase(crashed.resolve("db"), new HikariConfig(), false, NEVER);
             Connection c = reopened.getConnection();
             Statement statement = c.createStatement();
             ResultSet rows = statement.executeQuery("SELECT name FROM persons")) {
            assertTrue(rows.next());
            assertEquals("ann", rows.getString(1));
        }
    }

    @Test
    void anUpdateThatLeavesItsRowAsItWasWritesNoRecord() throws Exception {
        final Path crashed;
        try (EmbeddedDatabase database = open(dir)) {
            try (Connection c = database.getConnection()) {
                insert(c, 1, "ann", 1);
            }
            final long before = Files.size(journal(dir).get(0));

            try (Connection c = database.getConnection(); Statement statement = c.createStatement()) {
                assertEquals(1, statement.executeUpdate("UPDATE people SET visits = visits WHERE id = 1"));
            }

            assertEquals(before, Files.size(journal(dir).get(0)));
            execute(database, "UPDATE people SET visits = 2 WHERE id = 1");
            assertTrue(Files.size(journal(dir).get(0)) > before, "a change is journaled");
            crashed = crash(dir);
        }

        try (EmbeddedDatabase reopened = open(crashed)) {
            assertEquals(List.of("1 ann 2"), people(reopened));
        }
    }

    @Test
    void aTableCreatedAfterTheJournalStartedIsJournaledFromTheNextCheckpoint() throws Exception {
        final Path crashed;
        try (EmbeddedDatabase database = open(dir)) {
            execute(database,
                    "CREATE TABLE pets (id INT PRIMARY KEY, name VARCHAR(100))",
                    "INSERT INTO pets VALUES (1, 'rex')");

            database.checkpoint();

            execute(database, "INSERT INTO pets VALUES (2, 'tom')");
            crashed = crash(dir);
        }

        try (EmbeddedDatabase reopened = open(crashed)) {
            assertEquals(List.of("1 rex", "2 tom"), names(reopened, "pets"));
        }
    }

    @Test
    void aTableRenamedAfterTheJournalStartedIsJournaledUnderItsNewNameFromTheNextCheckpoint() throws Exception {
        final Path crashed;
        try (EmbeddedDatabase database = open(dir)) {
            try (Connection c = database.getConnection(); Statement statement = c.createStatement()) {
                insert(c, 1, "ann", 1);
                statement.execute("ALTER TABLE people RENAME TO persons");
            }

            database.checkpoint();

            execute(database, "INSERT INTO persons VALUES (2, 'bob', 2)");
            crashed = crash(dir);
        }

        try (EmbeddedDatabase reopened =
                     new EmbeddedDatabase(crashed.resolve("db"), new HikariConfig(), false, NEVER)) {
            assertEquals(List.of("1 ann", "2 bob"), names(reopened, "persons"));
        }
    }

    @Test
    void aValueTheJournalCannotStoreFailsItsWrite() throws Exception {
        try (EmbeddedDatabase database = new EmbeddedDatabase(dir.resolve("db"), new HikariConfig(), false, NEVER)) {
            execute(database, "CREATE TABLE events (id INT PRIMARY KEY, at TIMESTAMP)");
            database.startJournal();
            try (Connection c = database.getConnection(); Statement statement = c.createStatement()) {
                final SQLException e = assertThrows(SQLException.class, () -> statement.executeUpdate(
                        "INSERT INTO events VALUES (1, TIMESTAMP '2026-11-30 12:00:00')"));
                assertTrue(e.getMessage().contains("the journal cannot store"), e.getMessage());
                try (ResultSet count = statement.executeQuery("SELECT COUNT(*) FROM events")) {
                    count.next();
                    assertEquals(0, count.getInt(1));
                }
            }
        }
    }

    /**
     * The reason for the journal: one write per commit, not a chunk of H2's file. Written a chunk
     * each, as with H2's {@code WRITE_DELAY=0}, these commits left a file of 671 MB.
     */
    @Test
    void theFileStaysSmallUnderACommitPerRow() throws Exception {
        try (EmbeddedDatabase database = new EmbeddedDatabase(dir.resolve("db"), new HikariConfig())) {
            execute(database, "CREATE TABLE rows (id INT PRIMARY KEY, text VARCHAR(100))");
            database.startJournal();
            try (Connection c = database.getConnection();
                 PreparedStatement insert = c.prepareStatement("INSERT INTO rows VALUES (?, ?)")) {
                for (int i = 0; i < 40_000; i++) {
                    insert.setInt(1, i);
                    insert.setString(2, "row number " + i + " of the file size test");
                    insert.executeUpdate();
                }
            }
            final long size = Files.size(dir.resolve("db.mv.db"));
            assertTrue(size < 8 * 1024 * 1024, "the file holds " + (size >> 20) + " MB");
        }
    }

    @Test
    void closeEndsTheCheckpointsAndLeavesNoJournal() throws Exception {
        final long before = checkpointThreads();
        final EmbeddedDatabase database = open(dir);
        assertEquals(before + 1, checkpointThreads());
        try (Connection c = database.getConnection()) {
            insert(c, 1, "ann", 1);
        }

        database.close();

        assertEquals(before, checkpointThreads());
        assertEquals(List.of(), journal(dir));
        // The file holds the row.
        assertEquals(List.of("1 ann 1"), peopleWithoutTheJournal(dir));
    }

    /** The database in {@code directory} with the people table, migrated, journaled, and no checkpoints but its own. */
    private static EmbeddedDatabase open(Path directory) throws SQLException {
        final EmbeddedDatabase database = new EmbeddedDatabase(directory.resolve("db"), new HikariConfig(), false, NEVER);
        execute(database,
                "SET WRITE_DELAY " + NEVER,
                SCHEMA.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"));
        database.startJournal();
        return database;
    }

    /** Runs each statement on a connection of its own. */
    private static void execute(DataSource database, String... statements) throws SQLException {
        try (Connection c = database.getConnection(); Statement statement = c.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private static void insert(Connection c, int id, String name, long visits) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO people VALUES (?, ?, ?)")) {
            insert.setInt(1, id);
            insert.setString(2, name);
            insert.setLong(3, visits);
            insert.executeUpdate();
        }
    }

    /** What a process killed now would leave of the database in {@code directory}: its files as they are on disk. */
    private static Path crash(Path directory) throws IOException {
        final Path crashed = Files.createDirectories(directory.resolve("crashed"));
        for (Path file : journal(directory)) {
            Files.copy(file, crashed.resolve(file.getFileName()));
        }
        Files.copy(directory.resolve("db.mv.db"), crashed.resolve("db.mv.db"));
        return crashed;
    }

    private static List<String> people(EmbeddedDatabase database) throws SQLException {
        final List<String> people = new ArrayList<>();
        try (Connection c = database.getConnection();
             Statement statement = c.createStatement();
             ResultSet rows = statement.executeQuery("SELECT id, name, visits FROM people ORDER BY id")) {
            while (rows.next()) {
                people.add(rows.getInt(1) + " " + rows.getString(2) + " " + rows.getLong(3));
            }
        }
        return people;
    }

    /** The ids and names in {@code table}. */
    private static List<String> names(EmbeddedDatabase database, String table) throws SQLException {
        final List<String> rows = new ArrayList<>();
        try (Connection c = database.getConnection();
             Statement statement = c.createStatement();
             ResultSet result = statement.executeQuery("SELECT id, name FROM " + table + " ORDER BY id")) {
            while (result.next()) {
                rows.add(result.getInt(1) + " " + result.getString(2));
            }
        }
        return rows;
    }

    /** The people in a copy of the file in {@code directory} alone, as H2 left it. */
    private static List<String> peopleWithoutTheJournal(Path directory) throws Exception {
        final Path copy = Files.createDirectories(directory.resolve("file-alone"));
        Files.copy(directory.resolve("db.mv.db"), copy.resolve("db.mv.db"));
        try (EmbeddedDatabase database = new EmbeddedDatabase(copy.resolve("db"), new HikariConfig(), false, NEVER)) {
            return people(database);
        }
    }

    private static List<Path> journal(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(path -> path.getFileName().toString().startsWith("db.journal.")).sorted().toList();
        }
    }

    private static long checkpointThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                     .filter(thread -> thread.isAlive() && "h2-checkpoint".equals(thread.getName()))
                     .count();
    }
}
