package dev.courier.chat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.courier.proto.chat.Message;

/**
 * How a chat message travels on the bus: the id of the connection that sent it (empty when it
 * came from Send), so that connection does not receive its own message back, then the message.
 * Layout: one byte of origin length, the origin in ASCII, the serialized {@link Message}.
 */
final class Envelope {

    private Envelope() {}

    static byte[] encode(String origin, Message message) {
        final byte[] originBytes = origin.getBytes(StandardCharsets.US_ASCII);
        final byte[] payload = new byte[1 + originBytes.length + message.getSerializedSize()];
        payload[0] = (byte) originBytes.length;
        System.arraycopy(originBytes, 0, payload, 1, originBytes.length);
        final CodedOutputStream out = CodedOutputStream.newInstance(payload, 1 + originBytes.length,
                                                                    message.getSerializedSize());
        try {
            message.writeTo(out);
        } catch (IOException e) {
            throw new IllegalStateException("A message does not fit its own size", e);
        }
        return payload;
    }

    /** Whether the payload was sent by the connection with this origin id (ASCII bytes). */
    static boolean isFrom(byte[] payload, byte[] origin) {
        return payload.length > 0 && payload[0] == origin.length &&
               Arrays.equals(payload, 1, 1 + origin.length, origin, 0, origin.length);
    }

    static Message message(byte[] payload) throws InvalidProtocolBufferException {
        final int offset = 1 + payload[0];
        return Message.parser().parseFrom(payload, offset, payload.length - offset);
    }
}
