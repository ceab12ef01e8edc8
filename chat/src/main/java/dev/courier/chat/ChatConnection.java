package dev.courier.chat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.courier.proto.chat.Message;
import dev.courier.streams.bus.Bus;
import dev.courier.streams.bus.Outbox;

import io.grpc.stub.ServerCallStreamObserver;

/**
 * The receiving end of one Connect stream on the bus: it drops the stream's own messages and
 * hands the others to the stream's {@link Outbox}, whose bounded queue ends a client that stops
 * reading with {@link ChatError#SLOW_CONSUMER} instead of holding memory or delaying the others.
 */
final class ChatConnection implements Bus.Listener {

    private final String id = UUID.randomUUID().toString();
    private final byte[] idBytes = id.getBytes(StandardCharsets.US_ASCII);
    private final Outbox<Message> outbox;

    ChatConnection(ServerCallStreamObserver<Message> out, int capacity) {
        outbox = new Outbox<>(out, capacity, ChatError.SLOW_CONSUMER.toException());
    }

    /** The id that marks this connection's own messages on the bus. */
    String id() {
        return id;
    }

    Outbox<Message> outbox() {
        return outbox;
    }

    @Override
    public void onBusClosed() {
        outbox.fail(ChatError.SHUTTING_DOWN.toException());
    }

    @Override
    public void onPayload(byte[] payload) {
        if (outbox.isClosed() || Envelope.isFrom(payload, idBytes)) {
            return;
        }
        try {
            outbox.offer(Envelope.message(payload));
        } catch (InvalidProtocolBufferException e) {
            // Not a chat message: nothing to deliver.
        }
    }
}
