package dev.courier.streams.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.Arrays;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

class PendingRowsTest {

    /**
     * The record's bytes are the format the journal has always written (DataOutputStream's, big
     * endian, strings in UTF-8 after their length), so that segments left by an older build replay.
     */
    @Test
    void encodesRowsAsDataOutputStreamWouldForEveryValueType() throws Exception {
        final Object[] row = { null, "plain ascii", "café", "héllo wörld 😀", "half a pair \ud800 here", "", 42L, -7,
                               true, false, new byte[] { 1, 2, (byte) 0xff } };
        final PendingRows rows = new PendingRows();
        rows.upsert("MESSAGES", row);
        rows.delete("CONVERSATIONS", new Object[] { "ns", "c1", 5L }, new int[] { 0, 1 });

        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        final DataOutputStream out = new DataOutputStream(expected);
        out.write(new byte[PendingRows.HEADER_BYTES]);
        out.writeLong(9);
        out.writeByte(PendingRows.UPSERT);
        out.writeUTF("MESSAGES");
        out.writeShort(row.length);
        out.writeByte(0);
        for (String text : new String[] { "plain ascii", "café", "héllo wörld 😀", "half a pair \ud800 here", "" }) {
            out.writeByte(1);
            out.writeInt(text.getBytes(UTF_8).length);
            out.write(text.getBytes(UTF_8));
        }
        out.writeByte(2);
        out.writeLong(42);
        out.writeByte(3);
        out.writeInt(-7);
        out.writeByte(4);
        out.writeBoolean(true);
        out.writeByte(4);
        out.writeBoolean(false);
        out.writeByte(5);
        out.writeInt(3);
        out.write(new byte[] { 1, 2, (byte) 0xff });
        out.writeByte(PendingRows.DELETE);
        out.writeUTF("CONVERSATIONS");
        out.writeShort(2);
        out.writeByte(1);
        out.writeInt(2);
        out.write("ns".getBytes(UTF_8));
        out.writeByte(1);
        out.writeInt(2);
        out.write("c1".getBytes(UTF_8));

        final byte[] record = Arrays.copyOf(rows.seal(9, new CRC32C()), rows.size());
        final byte[] body = expected.toByteArray();
        // The header (length, CRC) is the seal's; the body must match byte for byte.
        assertArrayEquals(Arrays.copyOfRange(body, PendingRows.HEADER_BYTES, body.length),
                          Arrays.copyOfRange(record, PendingRows.HEADER_BYTES, record.length));
    }
}
