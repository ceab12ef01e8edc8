package dev.courier.chat;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.courier.chat.store.ChatStore;
import dev.courier.chat.store.ChatStore.Outgoing;
import dev.courier.chat.store.ChatStore.Sent;
import dev.courier.proto.chat.Message;
import dev.courier.streams.bus.Bus;
import dev.courier.streams.server.BatchLanes;

/**
 * Stores and publishes the messages of Send and Connect in batches, one transaction each: a
 * commit that reaches the database's file costs about as much for a hundred messages as for one,
 * and a transaction per message made the commits what limits a busy node.
 *
 * <p>Each chat belongs to one lane, and a lane runs one batch at a time: it stores the batch,
 * publishes its new messages in order, tells each sender, and only then takes the next. So a
 * chat's messages reach the bus in the order History returns them. Lanes run side by side, on the
 * store executor, for chats of different lanes. Nothing waits for a batch to fill: a lone message
 * is stored at once, and under load a batch is what queued while the one before it was stored.
 */
final class SendWriter {

    /**
     * Lanes, each at most one store thread: two, so that while one waits for its commit the other
     * stores what queued meanwhile.
     */
    static final int LANES = 2;
    /** Most messages in one transaction, bounding how long it holds its chats' rows. */
    static final int MAX_BATCH = 128;

    private static final Logger logger = LoggerFactory.getLogger(SendWriter.class);

    /** What a sender hears once its message is stored and published, or has failed. */
    interface Sender {

        void sent();

        /**
         * The message was not stored, or stored but not published: a StatusRuntimeException
         * for the client's own mistakes and for BUSY, anything else from the store or the bus.
         */
        void failed(RuntimeException cause);
    }

    private record Pending(Outgoing outgoing, String origin, Sender sender) {}

    private final ChatStore store;
    private final Bus bus;
    private final BatchLanes<Pending> lanes;

    SendWriter(ChatStore store, Bus bus, Executor executor, int lanes, int queueCapacity) {
        this.store = requireNonNull(store, "store");
        this.bus = requireNonNull(bus, "bus");
        // One drain a lane, so that a chat's messages are published in the order they are stored.
        this.lanes = new BatchLanes<>(lanes, 1, queueCapacity, MAX_BATCH, executor, this::write,
                                      pending -> pending.sender().failed(ChatError.BUSY.toException()));
    }

    /**
     * Queues a message, stored unless its client_id is already in the chat, and published on its
     * chat's subject, from {@code origin}, if this call stored it. A full lane, or an executor that
     * refuses to drain it, fails it with BUSY.
     */
    void send(String namespace, Message message, boolean clientChoseId, String origin, Sender sender) {
        lanes.offer(namespace.hashCode() * 31 + message.getChatId().hashCode(),
                    new Pending(new Outgoing(namespace, message, clientChoseId), origin, sender));
    }

    private void write(List<Pending> batch) {
        final List<Optional<Sent>> results;
        try {
            results = store.send(batch.stream().map(Pending::outgoing).toList());
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                batch.get(0).sender().failed(e);
                return;
            }
            // Each alone, so that a message the database refuses fails only itself.
            logger.debug("A batch of {} messages failed, storing each alone: {}", batch.size(), e.getMessage());
            for (Pending message : batch) {
                write(List.of(message));
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            finish(batch.get(i), results.get(i));
        }
    }

    private void finish(Pending message, Optional<Sent> result) {
        try {
            if (result.isEmpty()) {
                message.sender().failed(ChatError.INVALID_CHAT_ID.toException());
                return;
            }
            if (result.get().isNew()) {
                final Outgoing outgoing = message.outgoing();
                try {
                    bus.publish(Chat.subject(outgoing.namespace(), outgoing.message().getChatId()),
                                Envelope.encode(message.origin(), result.get().message()));
                } catch (RuntimeException e) {
                    message.sender().failed(e);
                    return;
                }
            }
            message.sender().sent();
        } catch (RuntimeException e) {
            // One sender refusing its answer must not keep the rest of the batch from theirs.
            logger.warn("A chat message's sender could not be told", e);
        }
    }
}
