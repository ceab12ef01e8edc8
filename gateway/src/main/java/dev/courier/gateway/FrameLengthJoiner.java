package dev.courier.gateway;

import java.util.function.Function;

import com.linecorp.armeria.common.HttpData;

/**
 * Keeps the two bytes of a WebSocket frame's 16-bit length in one chunk of a client's stream.
 * Armeria's frame decoder (1.36 and 1.37) reads those two bytes wrongly when they arrive in two
 * reads: {@code StreamDecoderInput.readUnsignedShort()} sign-extends the second byte, so a frame of
 * 128 to 65,535 bytes whose length has its low byte at 0x80 or above is refused as a protocol
 * error (close 1002). TCP splits a stream anywhere, so now and then a valid frame would end its
 * socket. This follows the frames of the stream and, when a chunk ends between the two length
 * bytes, holds the first one back and puts it in front of the next chunk.
 *
 * <p>One instance per stream: it is called with the stream's chunks in order, one at a time.
 */
final class FrameLengthJoiner implements Function<HttpData, HttpData> {

    /** Bytes of the current frame's header seen so far; 0 between frames and in a payload. */
    private int headerSeen;
    private int headerLength;
    private int shortLength;
    private int extension;
    private long extendedLength;
    private long payloadLeft;
    private boolean holding;
    private byte held;

    @Override
    public HttpData apply(HttpData data) {
        byte[] chunk = data.array();
        final boolean joined = holding;
        if (holding) {
            final byte[] withHeld = new byte[chunk.length + 1];
            withHeld[0] = held;
            System.arraycopy(chunk, 0, withHeld, 1, chunk.length);
            chunk = withHeld;
            holding = false;
        }
        if (!endsBetweenLengthBytes(chunk)) {
            if (!joined) {
                return data;
            }
            data.close();
            return HttpData.wrap(chunk);
        }
        data.close();
        holding = true;
        held = chunk[chunk.length - 1];
        // The held byte is read again, first, with the next chunk.
        headerSeen = 2;
        extendedLength = 0;
        return HttpData.wrap(chunk, 0, chunk.length - 1);
    }

    /** Follows the frames through a chunk; true when it ends after the first of two length bytes. */
    private boolean endsBetweenLengthBytes(byte[] chunk) {
        int at = 0;
        while (at < chunk.length) {
            if (payloadLeft > 0) {
                final long skipped = Math.min(payloadLeft, chunk.length - at);
                at += (int) skipped;
                payloadLeft -= skipped;
                continue;
            }
            final int value = chunk[at++] & 0xFF;
            if (headerSeen == 1) {
                shortLength = value & 0x7F;
                extension = shortLength == 126 ? 2 : shortLength == 127 ? 8 : 0;
                headerLength = 2 + extension + ((value & 0x80) != 0 ? 4 : 0);
                extendedLength = 0;
            } else if (headerSeen >= 2 && headerSeen < 2 + extension) {
                extendedLength = extendedLength << 8 | value;
            }
            headerSeen++;
            if (headerSeen >= 2 && headerSeen == headerLength) {
                payloadLeft = extension == 0 ? shortLength : extendedLength;
                headerSeen = 0;
            }
        }
        return headerSeen == 3 && extension == 2;
    }
}
