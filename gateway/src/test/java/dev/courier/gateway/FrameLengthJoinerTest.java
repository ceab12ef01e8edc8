package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.HttpData;

/** FrameLengthJoiner: the stream passes unchanged, and no chunk splits a 16-bit frame length. */
class FrameLengthJoinerTest {

    /** Masked client frames of 5, 200 (0x00C8), 0, 70,000 and 300 (0x012C) bytes. */
    private static final int[] LENGTHS = {5, 200, 0, 70_000, 300};

    @Test
    void everySplitOfTheStreamKeepsTheLengthBytesTogether() {
        final ByteArrayOutputStream stream = new ByteArrayOutputStream();
        final List<Integer> shortLengthAt = new ArrayList<>();
        for (int length : LENGTHS) {
            stream.write(0x81);
            if (length <= 125) {
                stream.write(0x80 | length);
            } else if (length <= 0xFFFF) {
                stream.write(0x80 | 126);
                shortLengthAt.add(stream.size());
                stream.write(length >>> 8);
                stream.write(length);
            } else {
                stream.write(0x80 | 127);
                for (int i = 7; i >= 0; i--) {
                    stream.write((int) ((long) length >>> (8 * i)));
                }
            }
            stream.writeBytes(new byte[] {1, 2, 3, 4});
            stream.writeBytes(new byte[length]);
        }
        final byte[] bytes = stream.toByteArray();
        for (int first = 1; first < 40; first++) {
            for (int second = first + 1; second < 400; second += 3) {
                final FrameLengthJoiner joiner = new FrameLengthJoiner();
                final List<byte[]> out = new ArrayList<>();
                out.add(joiner.apply(HttpData.wrap(bytes, 0, first)).array());
                out.add(joiner.apply(HttpData.wrap(bytes, first, second - first)).array());
                out.add(joiner.apply(HttpData.wrap(bytes, second, bytes.length - second)).array());

                final ByteArrayOutputStream joined = new ByteArrayOutputStream();
                final List<Integer> boundaries = new ArrayList<>();
                for (byte[] chunk : out) {
                    joined.writeBytes(chunk);
                    boundaries.add(joined.size());
                }
                assertArrayEquals(bytes, joined.toByteArray(), "split at " + first + ", " + second);
                for (int at : shortLengthAt) {
                    assertFalse(boundaries.contains(at + 1),
                                "a chunk ends inside the length at " + at + " (split at " + first + ", " +
                                second + ")");
                }
            }
        }
    }
}
