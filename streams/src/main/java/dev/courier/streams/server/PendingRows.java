package dev.courier.streams.server;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

import org.jspecify.annotations.Nullable;

/**
 * The rows one transaction has written so far, as {@link JournalTrigger} sees them, encoded as the
 * journal stores them: what the journal appends when the transaction commits.
 *
 * <p>A record is a {@value #HEADER_BYTES}-byte header (body length, CRC-32 of the body) and a body:
 * the commit's sequence number, then each row change in the order it was made: an upsert with the
 * row's table and every value, or a delete with the table and the primary key's values. The header
 * and the sequence number are filled in at commit, so the record goes to the file in one write.
 */
final class PendingRows {

    /** The transaction whose statement runs on this thread, if it runs through the journal. */
    static final ThreadLocal<@Nullable PendingRows> CURRENT = new ThreadLocal<>();

    static final int HEADER_BYTES = 8;
    /** Where the changes start: after the header and the sequence number. */
    private static final int CHANGES = HEADER_BYTES + 8;

    /** The most a transaction's changes take before it is made durable by a checkpoint instead. */
    static final int MAX_BYTES = 8 * 1024 * 1024;

    static final byte UPSERT = 1;
    static final byte DELETE = 2;

    private static final byte NULL = 0;
    private static final byte STRING = 1;
    private static final byte LONG = 2;
    private static final byte INT = 3;
    private static final byte BOOLEAN = 4;
    private static final byte BYTES = 5;

    /** Table names as {@link DataOutputStream#writeUTF} writes them, length first: few, and written with every row. */
    private static final Map<String, byte[]> TABLE_NAMES = new ConcurrentHashMap<>();

    private final Bytes bytes = new Bytes();
    /**
     * Whether the transaction is made durable by a checkpoint instead of a record: its changes may
     * differ from what the database holds (a batch failed part way, or it went back to a
     * savepoint), or they outgrew {@link #MAX_BYTES}.
     */
    private boolean doubtful;

    PendingRows() {
        clear();
    }

    void upsert(String table, Object[] row) throws SQLException {
        change(UPSERT, table, row, null);
    }

    void delete(String table, Object[] row, int[] key) throws SQLException {
        change(DELETE, table, row, key);
    }

    private void change(byte kind, String table, Object[] row, int @Nullable [] columns) throws SQLException {
        if (doubtful) {
            return; // made durable by a checkpoint: its rows are not needed
        }
        bytes.writeByte(kind);
        bytes.write(TABLE_NAMES.computeIfAbsent(table, PendingRows::modifiedUtf8));
        if (columns == null) {
            bytes.writeShort(row.length);
            for (Object value : row) {
                writeValue(table, value);
            }
        } else {
            bytes.writeShort(columns.length);
            for (int column : columns) {
                writeValue(table, row[column]);
            }
        }
        if (bytes.size() > MAX_BYTES) {
            // A transaction this large (a conversation of millions of messages deleted) is cheaper
            // to make durable by a checkpoint than to hold in memory and write twice.
            bytes.truncate(CHANGES);
            doubtful = true;
        }
    }

    private void writeValue(String table, @Nullable Object value) throws SQLException {
        if (value == null) {
            bytes.writeByte(NULL);
        } else if (value instanceof String string) {
            bytes.writeByte(STRING);
            bytes.writeUtf8(string);
        } else if (value instanceof Long number) {
            bytes.writeByte(LONG);
            bytes.writeLong(number);
        } else if (value instanceof Integer number) {
            bytes.writeByte(INT);
            bytes.writeInt(number);
        } else if (value instanceof Boolean bool) {
            bytes.writeByte(BOOLEAN);
            bytes.writeByte(bool ? 1 : 0);
        } else if (value instanceof byte[] array) {
            bytes.writeByte(BYTES);
            bytes.writeInt(array.length);
            bytes.write(array);
        } else {
            // A column type added without teaching the journal: the write fails, loudly, rather
            // than being acknowledged and lost.
            throw new SQLException("the journal cannot store a " + value.getClass().getName() + " of table " + table);
        }
    }

    private static byte[] modifiedUtf8(String table) {
        final ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(encoded)) {
            out.writeUTF(table);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return encoded.toByteArray();
    }

    /** Where the changes end now, to {@link #truncate} back to if a statement fails. */
    int mark() {
        return bytes.size();
    }

    /** Forgets the changes of a statement that failed, which the database undid. */
    void truncate(int mark) {
        if (!doubtful) {
            bytes.truncate(mark);
        }
    }

    void doubt() {
        doubtful = true;
    }

    boolean doubtful() {
        return doubtful;
    }

    boolean isEmpty() {
        return bytes.size() == CHANGES;
    }

    void clear() {
        bytes.truncate(CHANGES);
        doubtful = false;
    }

    /** The whole record, header included, with {@code seq} as its sequence number. */
    byte[] seal(long seq, CRC32C crc) {
        final byte[] array = bytes.array();
        final int length = bytes.size() - HEADER_BYTES;
        putLong(array, HEADER_BYTES, seq);
        crc.reset();
        crc.update(array, HEADER_BYTES, length);
        putInt(array, 0, length);
        putInt(array, 4, (int) crc.getValue());
        return array;
    }

    /** The record's length, header included, once sealed. */
    int size() {
        return bytes.size();
    }

    /** Binds the next {@code count} values of a record, one change's, to a statement's parameters. */
    static void bind(DataInputStream in, int count, PreparedStatement statement) throws IOException, SQLException {
        for (int i = 1; i <= count; i++) {
            statement.setObject(i, readValue(in));
        }
    }

    private static @Nullable Object readValue(DataInputStream in) throws IOException {
        final byte type = in.readByte();
        switch (type) {
            case NULL:
                return null;
            case STRING:
            case BYTES: {
                final byte[] array = new byte[in.readInt()];
                in.readFully(array);
                return type == STRING ? new String(array, UTF_8) : array;
            }
            case LONG:
                return in.readLong();
            case INT:
                return in.readInt();
            case BOOLEAN:
                return in.readBoolean();
            default:
                throw new IOException("unknown value type " + type);
        }
    }

    private static void putInt(byte[] array, int at, int value) {
        array[at] = (byte) (value >>> 24);
        array[at + 1] = (byte) (value >>> 16);
        array[at + 2] = (byte) (value >>> 8);
        array[at + 3] = (byte) value;
    }

    private static void putLong(byte[] array, int at, long value) {
        putInt(array, at, (int) (value >>> 32));
        putInt(array, at + 4, (int) value);
    }

    /**
     * A growable byte array, written big-endian as {@link DataOutputStream} writes, that hands out
     * its array and can be cut back. Unlike a stream, it takes no lock per byte and needs no
     * intermediate array for a string.
     */
    private static final class Bytes {
        private byte[] buf = new byte[512];
        private int count;

        byte[] array() {
            return buf;
        }

        int size() {
            return count;
        }

        void truncate(int size) {
            count = size;
        }

        void writeByte(int value) {
            ensure(1);
            buf[count++] = (byte) value;
        }

        void writeShort(int value) {
            ensure(2);
            buf[count++] = (byte) (value >>> 8);
            buf[count++] = (byte) value;
        }

        void writeInt(int value) {
            ensure(4);
            putInt(buf, count, value);
            count += 4;
        }

        void writeLong(long value) {
            ensure(8);
            putLong(buf, count, value);
            count += 8;
        }

        void write(byte[] array) {
            ensure(array.length);
            System.arraycopy(array, 0, buf, count, array.length);
            count += array.length;
        }

        /** The string's UTF-8 after its length in bytes, as {@code getBytes(UTF_8)} encodes it. */
        void writeUtf8(String string) {
            final int length = string.length();
            ensure(4 + length);
            int at = count + 4;
            for (int i = 0; i < length; i++) {
                final char c = string.charAt(i);
                if (c >= 0x80) {
                    // Past ASCII, the JDK's encoder, which also decides what a lone surrogate becomes.
                    final byte[] utf8 = string.getBytes(UTF_8);
                    writeInt(utf8.length);
                    write(utf8);
                    return;
                }
                buf[at++] = (byte) c;
            }
            putInt(buf, count, length);
            count = at;
        }

        private void ensure(int more) {
            if (count + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
            }
        }
    }
}
