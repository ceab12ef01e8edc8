package dev.courier.streams.server;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The embedded H2 database of a server that runs without a shared one: a file, the settings every
 * server opens it with, and the {@link Journal} that makes each commit durable before its call is
 * answered.
 *
 * <p>H2 writes its file up to half a second after a commit, and a process killed meanwhile lost
 * what it had answered for. Writing each commit to the file at once ({@code WRITE_DELAY=0}) cost a
 * chunk of the file per commit: about a quarter of the server's CPU under the heaviest writes, and
 * a file that grew by gigabytes. The journal appends the rows of each commit to a file of its own
 * instead, one write per commit, and H2 writes its file in its own time. Every
 * {@value #CHECKPOINT_MILLIS} ms H2 is made to write what has been committed, and the journal
 * before that point is deleted; at start, what the journal holds beyond the file is applied again.
 *
 * <p>Writes are journaled once {@link #startJournal()} has run, after the schema is migrated; a
 * table created or renamed later is journaled from the next checkpoint on, which logs it as an
 * error. The journal reaches the operating system, which survives the process; with {@code fsync}
 * it also reaches the disk before a commit returns, which survives the machine.
 */
public final class EmbeddedDatabase extends HikariDataSource {

    /** How often H2 is made to write its file, which bounds the journal. */
    static final long CHECKPOINT_MILLIS = 2000;

    private static final Logger logger = LoggerFactory.getLogger(EmbeddedDatabase.class);

    private final Journal journal;
    private final ScheduledExecutorService checkpoints;
    private volatile boolean journaling;

    /**
     * Opens (or creates) {@code file.mv.db} with the pool settings in {@code hikari} and applies
     * what its journal holds beyond it; any JDBC URL in {@code hikari} is replaced.
     */
    public EmbeddedDatabase(Path file, HikariConfig hikari) {
        this(file, hikari, false);
    }

    /**
     * As {@link #EmbeddedDatabase(Path, HikariConfig)}; with {@code fsync}, each commit is also on
     * disk before it returns, so that a crash of the machine loses none either.
     */
    public EmbeddedDatabase(Path file, HikariConfig hikari, boolean fsync) {
        this(file, hikari, fsync, CHECKPOINT_MILLIS);
    }

    EmbeddedDatabase(Path file, HikariConfig hikari, boolean fsync, long checkpointMillis) {
        super(withUrl(file, hikari));
        try {
            journal = Journal.open(file, super::getConnection, fsync);
        } catch (IOException | SQLException | RuntimeException e) {
            super.close();
            throw new IllegalStateException("cannot open the embedded database " + file + ": " + e.getMessage(), e);
        }
        checkpoints = Executors.newSingleThreadScheduledExecutor(task -> {
            final Thread thread = new Thread(task, "h2-checkpoint");
            thread.setDaemon(true);
            return thread;
        });
        checkpoints.scheduleWithFixedDelay(this::checkpoint, checkpointMillis, checkpointMillis,
                                           TimeUnit.MILLISECONDS);
    }

    /**
     * Starts journaling the writes of {@code database} if it is embedded (a shared database needs no
     * journal): called once its tables are migrated, before the first call is served.
     */
    public static void startJournal(DataSource database) {
        if (database instanceof EmbeddedDatabase embedded) {
            embedded.startJournal();
        }
    }

    /**
     * Journals the writes to every table from now on. Called once the tables are migrated: what
     * was written before is made durable here, by a checkpoint.
     */
    public void startJournal() {
        try (Connection c = super.getConnection()) {
            Journal.install(c);
            Journal.checkpoint(c, journal.sync());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start the journal of the embedded database: " + e.getMessage(), e);
        }
        journaling = true;
    }

    @Override
    public Connection getConnection() throws SQLException {
        final Connection connection = super.getConnection();
        return journaling ? JournaledConnection.wrap(connection, journal) : connection;
    }

    private static HikariConfig withUrl(Path file, HikariConfig hikari) {
        hikari.setJdbcUrl("jdbc:h2:file:" + file.toAbsolutePath() +
                          // Writers of one row queue on it: wait for them, and let close() (not a
                          // JVM hook of H2's) shut the database after requests end.
                          ";LOCK_TIMEOUT=10000;DB_CLOSE_ON_EXIT=FALSE" +
                          // H2 caches 16 MB of its pages unless told: an eighth of the heap keeps
                          // the indexes of millions of messages in memory.
                          ";CACHE_SIZE=" + Math.max(16 * 1024, Runtime.getRuntime().maxMemory() / 8 / 1024));
        return hikari;
    }

    /** How many times the journal was synced to disk. */
    long journalSyncs() {
        return journal.syncs();
    }

    /** Has H2 write what is committed, and deletes the journal that held it. */
    void checkpoint() {
        if (isClosed()) {
            return;
        }
        try {
            if (journaling) {
                installMissingTriggers();
            }
            journal.checkpoint(super::getConnection);
        } catch (IOException | SQLException | RuntimeException e) {
            // The journal keeps what the file may lack; the next round tries again.
            logger.warn("H2 checkpoint failed: {}", e.toString());
        }
    }

    /**
     * Journals the tables made since the journal started, from now on, and has H2 write what they
     * hold so far: a schema is to be migrated before the journal starts, and a table made later
     * had its writes kept by H2's own writes alone until here.
     */
    private void installMissingTriggers() throws SQLException {
        try (Connection c = super.getConnection()) {
            final List<String> tables = Journal.installMissing(c);
            if (tables.isEmpty()) {
                return;
            }
            Journal.checkpoint(c, journal.sync());
            logger.error("tables created or renamed after the journal started, journaled from now on: {}; until " +
                         "now their writes were not journaled, and a crash could have lost them", tables);
        }
    }

    @Override
    public void close() {
        checkpoints.shutdownNow();
        try {
            checkpoints.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        checkpoint();
        try {
            journal.close();
        } catch (IOException e) {
            logger.warn("cannot close the journal: {}", e.toString());
        }
        super.close();
    }
}
