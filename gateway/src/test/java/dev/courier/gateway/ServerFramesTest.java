package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;

/** The frames the server encodes itself, read back as RFC 6455 says a client reads them. */
class ServerFramesTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 125, 126, 65_535, 65_536, 300_000})
    void aTextFrameCarriesItsWholePayloadWithTheShortestLength(int length) {
        final byte[] payload = new byte[length];
        Arrays.fill(payload, (byte) 'x');
        final byte[] frame = ServerFrames.text(payload);
        assertEquals(0x81, frame[0] & 0xFF, "final text frame");
        assertEquals(0, frame[1] & 0x80, "a server never masks");
        final int header;
        final long read;
        if ((frame[1] & 0x7F) < 126) {
            header = 2;
            read = frame[1] & 0x7F;
        } else if ((frame[1] & 0x7F) == 126) {
            header = 4;
            read = ((frame[2] & 0xFF) << 8) | (frame[3] & 0xFF);
        } else {
            header = 10;
            long value = 0;
            for (int i = 2; i < 10; i++) {
                value = (value << 8) | (frame[i] & 0xFF);
            }
            read = value;
        }
        assertEquals(length, read);
        assertEquals(length <= 125 ? 2 : length <= 65_535 ? 4 : 10, header, "the shortest length encoding");
        assertArrayEquals(payload, Arrays.copyOfRange(frame, header, frame.length));
    }

    @Test
    void aCloseFrameCarriesItsCodeAndAReasonCutAtACharacter() {
        final byte[] frame = ServerFrames.close(WebSocketCloseStatus.TRY_AGAIN_LATER, "é".repeat(100));
        assertEquals(0x88, frame[0] & 0xFF);
        final int length = frame[1];
        assertEquals(2 + 122, length, "123 bytes would split the last character");
        assertEquals(1013, ((frame[2] & 0xFF) << 8) | (frame[3] & 0xFF));
        assertEquals("é".repeat(61), new String(frame, 4, length - 2, StandardCharsets.UTF_8));
    }

    @Test
    void pingsAndPongsAreControlFrames() {
        assertArrayEquals(new byte[] {(byte) 0x89, 0}, ServerFrames.PING_FRAME);
        assertArrayEquals(new byte[] {(byte) 0x8A, 2, 'h', 'i'}, ServerFrames.pong(new byte[] {'h', 'i'}));
    }
}
