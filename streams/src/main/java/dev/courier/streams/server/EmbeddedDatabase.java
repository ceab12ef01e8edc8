package dev.courier.streams.server;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The embedded H2 database of a server that runs without a shared one: a file, the settings every
 * server opens it with, and a pool whose close also ends the housekeeping that those settings
 * make necessary.
 *
 * <p>{@code WRITE_DELAY=0} writes each commit to the file before its call is answered (H2
 * otherwise writes it up to half a second later, and a killed process lost what it had answered
 * for meanwhile). But it also stops H2's background writer, and with it the housekeeping that
 * rewrites chunks holding few live pages: each commit writes a chunk of its own, and without that
 * housekeeping the chunks that keep a page or two alive are never freed, so the file grew with
 * every commit for as long as the process ran (by about 0.6 KB a commit of a small row: 2 GB an
 * hour at 1,000 commits a second). So a thread of this pool does what the background writer
 * would, every {@value #HOUSEKEEPING_MILLIS} ms. H2 still keeps the chunks that commits left
 * behind for its retention time (45 s) before it reuses their space, so a busy file holds at
 * least that long of commits beyond its data, and under the heaviest steady writes it still grows
 * for minutes (BENCHMARKS.md has the figures).
 */
public final class EmbeddedDatabase extends HikariDataSource {

    /** How often the chunks are looked at. */
    static final long HOUSEKEEPING_MILLIS = 200;
    /** Chunks less full than this are rewritten (H2's own default for its housekeeping). */
    private static final int TARGET_FILL_RATE = 90;
    /**
     * Most bytes rewritten in one round, as H2's own background writer allows itself. A round
     * holds up commits while it runs: under the heaviest writes (CreateMessage at concurrency 64)
     * p99 went from 6 ms to 38 ms with 16 MB rounds, and to 20 ms with these. Rounds of 2 MB once
     * a second kept p99 at 6 ms but left the file growing almost as fast as with none.
     */
    private static final int MAX_REWRITE_BYTES = 1024 * 1024;

    private static final Logger logger = LoggerFactory.getLogger(EmbeddedDatabase.class);

    private final ScheduledExecutorService housekeeping;

    /**
     * Opens (or creates) {@code file.mv.db} with the pool settings in {@code hikari} and starts its
     * housekeeping; any JDBC URL in {@code hikari} is replaced.
     */
    public EmbeddedDatabase(Path file, HikariConfig hikari) {
        super(withUrl(file, hikari));
        final MVStore store;
        try (Connection c = getConnection()) {
            store = ((SessionLocal) c.unwrap(JdbcConnection.class).getSession()).getDatabase().getStore()
                                                                              .getMvStore();
        } catch (SQLException | RuntimeException e) {
            super.close();
            throw new IllegalStateException("cannot open the embedded database " + file + ": " + e.getMessage(), e);
        }
        housekeeping = Executors.newSingleThreadScheduledExecutor(task -> {
            final Thread thread = new Thread(task, "h2-housekeeping");
            thread.setDaemon(true);
            return thread;
        });
        housekeeping.scheduleWithFixedDelay(() -> keepHouse(store), HOUSEKEEPING_MILLIS, HOUSEKEEPING_MILLIS,
                                            TimeUnit.MILLISECONDS);
    }

    private static HikariConfig withUrl(Path file, HikariConfig hikari) {
        hikari.setJdbcUrl("jdbc:h2:file:" + file.toAbsolutePath() +
                          // Writers of one row queue on it: wait for them, and let close() (not a
                          // JVM hook of H2's) shut the database after requests end.
                          ";LOCK_TIMEOUT=10000;DB_CLOSE_ON_EXIT=FALSE" +
                          // Each commit on the file before the call is answered (see above).
                          ";WRITE_DELAY=0" +
                          // H2 caches 16 MB of its pages unless told: an eighth of the heap keeps
                          // the indexes of millions of messages in memory.
                          ";CACHE_SIZE=" + Math.max(16 * 1024, Runtime.getRuntime().maxMemory() / 8 / 1024));
        return hikari;
    }

    private static void keepHouse(MVStore store) {
        if (store.isClosed()) {
            return;
        }
        try {
            store.compact(TARGET_FILL_RATE, MAX_REWRITE_BYTES);
        } catch (RuntimeException e) {
            // A store closing meanwhile, or one round failing: the next round tries again.
            logger.debug("H2 housekeeping failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        housekeeping.shutdownNow();
        try {
            housekeeping.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        super.close();
    }
}
