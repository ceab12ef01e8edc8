package dev.courier.gateway;

import java.nio.charset.StandardCharsets;

import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;

/**
 * WebSocket frames as a server sends them (RFC 6455, section 5.2): final, unmasked, each one
 * array of header and payload, so that one encoding serves every socket it is written to.
 */
final class ServerFrames {

    private static final int TEXT = 0x1;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;

    static final byte[] PING_FRAME = frame(PING, new byte[0]);

    private ServerFrames() {}

    /** A text frame of UTF-8 text. */
    static byte[] text(byte[] utf8) {
        return frame(TEXT, utf8);
    }

    /** The answer to a ping, with its payload (at most 125 bytes, as the client's ping). */
    static byte[] pong(byte[] payload) {
        return frame(PONG, payload);
    }

    /** A close frame with a status and a reason, cut to the 123 bytes a close frame holds. */
    static byte[] close(WebSocketCloseStatus status, String reason) {
        final byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(text.length, 123);
        while (length < text.length && length > 0 && (text[length] & 0xC0) == 0x80) {
            // Never cut a character in two.
            length--;
        }
        final byte[] payload = new byte[2 + length];
        payload[0] = (byte) (status.code() >>> 8);
        payload[1] = (byte) status.code();
        System.arraycopy(text, 0, payload, 2, length);
        return frame(CLOSE, payload);
    }

    private static byte[] frame(int opcode, byte[] payload) {
        final int length = payload.length;
        final int header = length <= 125 ? 2 : length <= 0xFFFF ? 4 : 10;
        final byte[] frame = new byte[header + length];
        frame[0] = (byte) (0x80 | opcode);
        if (header == 2) {
            frame[1] = (byte) length;
        } else if (header == 4) {
            frame[1] = 126;
            frame[2] = (byte) (length >>> 8);
            frame[3] = (byte) length;
        } else {
            frame[1] = 127;
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) ((long) length >>> (56 - 8 * i));
            }
        }
        System.arraycopy(payload, 0, frame, header, length);
        return frame;
    }
}
