package dev.courier.streams.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The redo journal of an embedded database: what makes a commit durable before its call is
 * answered, without H2 writing a chunk of its file for every commit.
 *
 * <p>Each commit that changed rows appends one record, the rows as they were left, to a segment
 * file next to the database, in commit order, and the commit's sequence number goes into the
 * journal_position table within the same transaction. The write reaches the operating system before
 * the call is answered, so a killed process loses nothing it answered for. H2 writes its file in its
 * own time; at a checkpoint the segments written before it are deleted. At start, the records after
 * the sequence number the file holds are applied again, in order: upserts and deletes by primary
 * key, which give back exactly the rows committed.
 *
 * <p>With {@code sync}, a commit also waits until its record is on disk ({@code fsync}), so that a
 * crash of the machine loses nothing answered either; commits that arrive while one sync runs share
 * the next. The database file is synced too before the segments it covers are deleted.
 */
final class Journal implements Closeable {

    static final String POSITION_TABLE = "JOURNAL_POSITION";
    private static final String SET_POSITION = "UPDATE PUBLIC." + POSITION_TABLE + " SET SEQ = ? WHERE ID = 1";
    private static final String TRIGGER_CLASS = JournalTrigger.class.getName();
    /** The journal's triggers, by schema and name. */
    private static final String TRIGGERS = "SELECT DISTINCT TRIGGER_SCHEMA, TRIGGER_NAME " +
                                           "FROM INFORMATION_SCHEMA.TRIGGERS " +
                                           "WHERE TRIGGER_NAME LIKE 'JOURNAL\\_%' ESCAPE '\\'";
    /** The tables the journal keeps: every base table but its own. */
    private static final String TABLES = "SELECT t.TABLE_SCHEMA, t.TABLE_NAME FROM INFORMATION_SCHEMA.TABLES t " +
                                         "WHERE t.TABLE_TYPE = 'BASE TABLE' " +
                                         "AND t.TABLE_SCHEMA <> 'INFORMATION_SCHEMA' " +
                                         "AND t.TABLE_NAME <> '" + POSITION_TABLE + "'";
    /** Records replayed in one transaction. */
    private static final int REPLAY_BATCH = 1000;

    private static final Logger logger = LoggerFactory.getLogger(Journal.class);

    private final Path directory;
    private final String prefix;
    private final boolean sync;
    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    private final CRC32C crc = new CRC32C();
    private final List<Path> closedSegments = new ArrayList<>();
    private FileChannel segment;
    private Path segmentPath;
    private long segmentNumber;
    private long segmentBytes;
    private long lastSeq;
    /** Whether the segment ends with a failed write that could not be cut off. */
    private boolean damaged;

    /** The last commit whose record is on disk: raised by syncs, and by the sync of a segment before it is closed. */
    private final AtomicLong syncedSeq = new AtomicLong();
    private final ReentrantLock syncLock = new ReentrantLock();
    private final Condition synced = syncLock.newCondition();
    // Guarded by syncLock.
    private boolean syncing;
    private final LongAdder syncs = new LongAdder();

    private Journal(Path directory, String prefix, long lastSeq, boolean sync) throws IOException {
        this.directory = directory;
        this.prefix = prefix;
        this.lastSeq = lastSeq;
        this.sync = sync;
        syncedSeq.set(lastSeq);
        segmentNumber = 1;
        segmentPath = directory.resolve(prefix + segmentNumber);
        segment = openSegment();
    }

    /**
     * Replays the journal of {@code database} (the file {@code file.mv.db}) into it, makes the
     * database write it all, deletes the old segments and opens a new one. {@code database} gives
     * connections that are not journaled themselves.
     */
    static Journal open(Path file, Connections database, boolean sync) throws IOException, SQLException {
        final Path directory = file.toAbsolutePath().getParent();
        final String prefix = file.getFileName() + ".journal.";
        final List<Path> segments = segments(directory, prefix);
        final long position;
        try (Connection c = database.open()) {
            position = replay(c, segments, createPosition(c));
            checkpoint(c, sync);
        }
        for (Path segment : segments) {
            Files.delete(segment);
        }
        return new Journal(directory, prefix, position, sync);
    }

    /**
     * Puts the trigger that hands rows to the journal on every table but the journal's own: called
     * once the tables are migrated. The triggers of the last start are dropped first: a trigger
     * follows its table through a rename, but would still give the journal the old name.
     */
    static void install(Connection c) throws SQLException {
        try (Statement statement = c.createStatement()) {
            for (String[] trigger : pairs(statement, TRIGGERS)) {
                dropTrigger(statement, trigger[0], trigger[1]);
            }
            for (String[] table : pairs(statement, TABLES)) {
                createTrigger(statement, table[0], table[1]);
            }
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    /**
     * Puts the trigger on the tables that lack it, those created or renamed since {@link #install}
     * ran, and returns their names. What was written to them until now went to the database
     * alone: a checkpoint right after makes it durable.
     */
    static List<String> installMissing(Connection c) throws SQLException {
        final List<String> fixed = new ArrayList<>();
        try (Statement statement = c.createStatement()) {
            for (String[] table : pairs(statement, TABLES + " AND NOT EXISTS (" +
                                                   "SELECT 1 FROM INFORMATION_SCHEMA.TRIGGERS g " +
                                                   "WHERE g.EVENT_OBJECT_SCHEMA = t.TABLE_SCHEMA " +
                                                   "AND g.EVENT_OBJECT_TABLE = t.TABLE_NAME " +
                                                   "AND g.TRIGGER_NAME = 'JOURNAL_' || t.TABLE_NAME)")) {
                // A renamed table keeps its trigger, which would give the journal the old name.
                for (String[] stale : pairs(statement, TRIGGERS + " AND EVENT_OBJECT_SCHEMA = " + literal(table[0]) +
                                                       " AND EVENT_OBJECT_TABLE = " + literal(table[1]))) {
                    dropTrigger(statement, stale[0], stale[1]);
                }
                createTrigger(statement, table[0], table[1]);
                fixed.add(table[0] + "." + table[1]);
            }
        }
        if (!fixed.isEmpty() && !c.getAutoCommit()) {
            c.commit();
        }
        return fixed;
    }

    private static void createTrigger(Statement statement, String schema, String table) throws SQLException {
        statement.execute("CREATE TRIGGER " + TableShape.quote(schema) + "." + TableShape.quote("JOURNAL_" + table) +
                          " AFTER INSERT, UPDATE, DELETE ON " + TableShape.quote(schema) + "." +
                          TableShape.quote(table) + " FOR EACH ROW CALL '" + TRIGGER_CLASS + "'");
    }

    private static void dropTrigger(Statement statement, String schema, String trigger) throws SQLException {
        statement.execute("DROP TRIGGER " + TableShape.quote(schema) + "." + TableShape.quote(trigger));
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /** The two columns of each row {@code query} gives (a schema and a name), read before any is used. */
    private static List<String[]> pairs(Statement statement, String query) throws SQLException {
        final List<String[]> pairs = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery(query)) {
            while (rows.next()) {
                pairs.add(new String[] { rows.getString(1), rows.getString(2) });
            }
        }
        return pairs;
    }

    /**
     * Commits {@code c}'s transaction, whose changes are {@code rows}, and makes it durable: by a
     * record in the journal, or by a checkpoint when the rows are in doubt or the journal cannot be
     * written.
     */
    void commit(Connection c, PendingRows rows) throws SQLException {
        final long seq;
        lock.lock();
        try {
            seq = lastSeq + 1;
            setPosition(c, seq);
            lastSeq = seq;
            if (rows.doubtful() || damaged) {
                checkpoint(c, sync);
                return;
            }
            final byte[] record = rows.seal(seq, crc);
            try {
                final ByteBuffer buffer = ByteBuffer.wrap(record, 0, rows.size());
                while (buffer.hasRemaining()) {
                    segment.write(buffer);
                }
                segmentBytes += rows.size();
            } catch (IOException e) {
                logger.error("cannot write the journal {}; committing through the database file instead",
                             segmentPath, e);
                checkpoint(c, sync);
                discardTail();
                return;
            }
        } finally {
            lock.unlock();
        }
        if (sync) {
            awaitSync(seq);
        }
    }

    /**
     * Returns once the record of commit {@code seq} is on disk. One caller at a time syncs the
     * segment, for every record written until then; the others wait for it, and the first of those
     * not covered syncs next.
     */
    private void awaitSync(long seq) throws SQLException {
        syncLock.lock();
        try {
            while (syncedSeq.get() < seq) {
                if (syncing) {
                    synced.awaitUninterruptibly();
                    continue;
                }
                syncing = true;
                final long written;
                final FileChannel channel;
                lock.lock();
                try {
                    written = lastSeq;
                    channel = segment;
                } finally {
                    lock.unlock();
                }
                syncLock.unlock();
                IOException failure = null;
                try {
                    channel.force(false);
                    syncs.increment();
                } catch (ClosedChannelException e) {
                    // A checkpoint closed the segment meanwhile, and synced it first.
                } catch (IOException e) {
                    failure = e;
                } finally {
                    syncLock.lock();
                    syncing = false;
                    synced.signalAll();
                }
                if (failure != null) {
                    throw new SQLException("cannot sync the journal " + segmentPath + ": " + failure.getMessage(),
                                           failure);
                }
                syncedSeq.accumulateAndGet(written, Math::max);
            }
        } finally {
            syncLock.unlock();
        }
    }

    /** How many times the journal was synced: fewer than its commits when commits share syncs. */
    long syncs() {
        return syncs.sum();
    }

    /**
     * Cuts off what a failed write left at the end of the segment: a replay stops at the first
     * record it cannot read, and would miss the records written after it. Until the next segment,
     * if that fails too, commits are made durable by checkpoints.
     */
    private void discardTail() {
        try {
            segment.truncate(segmentBytes);
            segment.position(segmentBytes);
        } catch (IOException e) {
            logger.error("cannot repair the journal {}; committing through the database file until the next segment",
                         segmentPath, e);
            damaged = true;
        }
    }

    /**
     * Has the database write everything committed so far, then deletes the segments that held it.
     * New commits go on meanwhile, to a new segment.
     */
    void checkpoint(Connections database) throws IOException, SQLException {
        final List<Path> written;
        lock.lock();
        try {
            if (segmentBytes > 0 || damaged) {
                if (sync) {
                    // Commits waiting for a sync of this segment find it done.
                    segment.force(false);
                    syncedSeq.accumulateAndGet(lastSeq, Math::max);
                }
                segment.close();
                closedSegments.add(segmentPath);
                segmentNumber++;
                segmentPath = directory.resolve(prefix + segmentNumber);
                segment = openSegment();
                segmentBytes = 0;
                damaged = false;
            }
            if (closedSegments.isEmpty()) {
                return;
            }
            written = List.copyOf(closedSegments);
        } finally {
            lock.unlock();
        }
        try (Connection c = database.open()) {
            checkpoint(c, sync);
        }
        lock.lock();
        try {
            for (Path path : written) {
                Files.deleteIfExists(path);
            }
            closedSegments.removeAll(written);
        } finally {
            lock.unlock();
        }
    }

    /** Closes the segment, and deletes it if nothing was written to it. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            segment.close();
            if (segmentBytes == 0) {
                Files.deleteIfExists(segmentPath);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Has H2 write everything committed to its file, and with {@code sync} put it on disk. */
    static void checkpoint(Connection c, boolean sync) throws SQLException {
        try (Statement statement = c.createStatement()) {
            statement.execute(sync ? "CHECKPOINT SYNC" : "CHECKPOINT");
        }
    }

    boolean sync() {
        return sync;
    }

    private FileChannel openSegment() throws IOException {
        final FileChannel channel = FileChannel.open(segmentPath, StandardOpenOption.CREATE_NEW,
                                                     StandardOpenOption.WRITE);
        if (sync) {
            // The new file's name is on disk too, not only what is written to it.
            try (FileChannel parent = FileChannel.open(directory, StandardOpenOption.READ)) {
                parent.force(true);
            }
        }
        return channel;
    }

    private static long createPosition(Connection c) throws SQLException {
        try (Statement statement = c.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS PUBLIC." + POSITION_TABLE +
                              " (ID INT PRIMARY KEY, SEQ BIGINT NOT NULL)");
            statement.execute("INSERT INTO PUBLIC." + POSITION_TABLE + " SELECT 1, 0 WHERE NOT EXISTS " +
                              "(SELECT 1 FROM PUBLIC." + POSITION_TABLE + ")");
            if (!c.getAutoCommit()) {
                c.commit();
            }
            try (ResultSet row = statement.executeQuery("SELECT SEQ FROM PUBLIC." + POSITION_TABLE)) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    private static List<Path> segments(Path directory, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(path -> {
                            final String name = path.getFileName().toString();
                            return name.startsWith(prefix) && name.substring(prefix.length()).matches("[0-9]+");
                        })
                        .sorted((a, b) -> Long.compare(number(a, prefix), number(b, prefix)))
                        .toList();
        }
    }

    private static long number(Path segment, String prefix) {
        return Long.parseLong(segment.getFileName().toString().substring(prefix.length()));
    }

    /** Applies the records after {@code position}; returns the sequence number of the last one. */
    private static long replay(Connection c, List<Path> segments, long position) throws IOException, SQLException {
        final boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        final Map<String, Replay> statements = new HashMap<>();
        long last = position;
        long replayed = 0;
        try {
            for (Path segment : segments) {
                try (InputStream file = Files.newInputStream(segment);
                     DataInputStream in = new DataInputStream(new BufferedInputStream(file, 1 << 16))) {
                    byte[] body;
                    while ((body = nextRecord(in, segment)) != null) {
                        final DataInputStream record = new DataInputStream(new ByteArrayInputStream(body));
                        final long seq = record.readLong();
                        if (seq <= last) {
                            continue;
                        }
                        if (seq != last + 1) {
                            logger.warn("the journal skips from commit {} to {} in {}", last, seq, segment);
                        }
                        apply(c, record, statements);
                        last = seq;
                        if (++replayed % REPLAY_BATCH == 0) {
                            setPosition(c, last);
                        }
                    }
                }
            }
            setPosition(c, last);
        } finally {
            for (Replay replay : statements.values()) {
                replay.upsert.close();
                replay.delete.close();
            }
            c.setAutoCommit(autoCommit);
        }
        if (replayed > 0) {
            logger.info("replayed {} commits from the journal", replayed);
        }
        return last;
    }

    /** The next whole record's body, or null at the end of the segment or at a record cut short or damaged. */
    private static byte[] nextRecord(DataInputStream in, Path segment) throws IOException {
        final int length;
        final int checksum;
        try {
            length = in.readInt();
            checksum = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        if (length < 8) {
            logger.warn("the journal {} ends with a damaged record", segment);
            return null;
        }
        final byte[] body = new byte[length];
        try {
            in.readFully(body);
        } catch (EOFException e) {
            // The process died while writing it: it was never answered.
            return null;
        }
        final CRC32C crc = new CRC32C();
        crc.update(body);
        if ((int) crc.getValue() != checksum) {
            logger.warn("the journal {} ends with a damaged record", segment);
            return null;
        }
        return body;
    }

    private static void apply(Connection c, DataInputStream record, Map<String, Replay> statements)
            throws IOException, SQLException {
        while (record.available() > 0) {
            final byte kind = record.readByte();
            final String table = record.readUTF();
            final int count = record.readShort();
            Replay replay = statements.get(table);
            if (replay == null) {
                replay = Replay.prepare(c, table);
                statements.put(table, replay);
            }
            final boolean upsert = kind == PendingRows.UPSERT;
            if (count != (upsert ? replay.columns : replay.keyColumns)) {
                throw new SQLException("a journal record of " + table + " has " + count +
                                       " values, which the table does not");
            }
            final PreparedStatement statement = upsert ? replay.upsert : replay.delete;
            PendingRows.bind(record, count, statement);
            statement.executeUpdate();
        }
    }

    /** Connections that are not journaled themselves, for the journal's own work. */
    @FunctionalInterface
    interface Connections {
        Connection open() throws SQLException;
    }

    /** How the changes of one table are applied again: upserts and deletes by primary key. */
    private record Replay(PreparedStatement upsert, PreparedStatement delete, int columns, int keyColumns) {

        static Replay prepare(Connection c, String table) throws SQLException {
            final int dot = table.indexOf('.');
            final TableShape shape = TableShape.of(c, table.substring(0, dot), table.substring(dot + 1));
            final List<String> key = new ArrayList<>();
            for (int column : shape.keyColumns()) {
                key.add(TableShape.quote(shape.columns().get(column)));
            }
            final String quoted = TableShape.quoted(table);
            final String values = String.join(", ", Collections.nCopies(shape.columns().size(), "?"));
            return new Replay(
                    c.prepareStatement("MERGE INTO " + quoted + " KEY (" + String.join(", ", key) + ") VALUES (" +
                                       values + ")"),
                    c.prepareStatement("DELETE FROM " + quoted + " WHERE " + String.join(" = ? AND ", key) + " = ?"),
                    shape.columns().size(), key.size());
        }
    }

    /** Commits the transaction with {@code seq} as the last commit the database holds. */
    private static void setPosition(Connection c, long seq) throws SQLException {
        try (PreparedStatement position = c.prepareStatement(SET_POSITION)) {
            position.setLong(1, seq);
            position.executeUpdate();
        }
        c.commit();
    }
}
