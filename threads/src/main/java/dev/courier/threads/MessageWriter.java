package dev.courier.threads;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.courier.proto.threads.CreateMessageResponse;
import dev.courier.streams.server.BatchLanes;
import dev.courier.threads.store.MessageResult;
import dev.courier.threads.store.NewMessage;
import dev.courier.threads.store.ThreadStore;

import io.grpc.stub.StreamObserver;

/**
 * Writes the messages of CreateMessage calls in batches, one transaction each: writers of one
 * conversation take turns on its row, so a transaction per message makes a busy conversation as
 * slow as a commit. Calls wait in a bounded queue, one {@link BatchLanes lane}; a drain on the
 * store executor takes what has queued, writes it, answers each call, and goes on while calls
 * remain. Nothing waits for a batch to fill: a lone call is written at once, and under load a batch
 * is what queued while the one before it was being written.
 */
final class MessageWriter {

    /**
     * Drains that may run at once. Two, so that while one waits for its commit the other writes
     * what queued meanwhile; more would split the queue into smaller batches that mostly wait for
     * the same conversations' rows, and would hold store threads that the other RPCs share.
     */
    static final int DRAINS = 2;
    /** Most messages in one transaction, bounding how long it holds its conversations' rows. */
    static final int MAX_BATCH = 128;

    private static final Logger logger = LoggerFactory.getLogger(MessageWriter.class);

    /** A CreateMessage call waiting for its message to be written. */
    private record Pending(NewMessage message, StreamObserver<CreateMessageResponse> out) {}

    private final ThreadStore store;
    private final BatchLanes<Pending> queue;

    MessageWriter(ThreadStore store, Executor executor, int queueCapacity, int maxBatch, int maxDrains) {
        this.store = requireNonNull(store, "store");
        queue = new BatchLanes<>(1, maxDrains, queueCapacity, maxBatch, executor, this::writeBatch,
                                 pending -> pending.out().onError(ThreadsError.BUSY.toException()));
    }

    /**
     * Queues a message and ends {@code out} once it is written, as a store call run alone would;
     * a full queue, or an executor that refuses to drain it, ends the call with BUSY.
     */
    void write(NewMessage message, StreamObserver<CreateMessageResponse> out) {
        queue.offer(0, new Pending(message, out));
    }

    private void writeBatch(List<Pending> queued) {
        // A call whose client has gone is neither written nor answered, as with any store call.
        final List<Pending> batch = new ArrayList<>(queued.size());
        for (Pending pending : queued) {
            if (!StoreCalls.cancelled(pending.out())) {
                batch.add(pending);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        final List<MessageResult> results = store(batch);
        for (int i = 0; i < batch.size(); i++) {
            final MessageResult result = results.get(i);
            try {
                StoreCalls.answer(batch.get(i).out(), () -> CreateMessageResponse.newBuilder()
                                                                .setMessage(result.message().orElseThrow(
                                                                        ThreadsError.NOT_FOUND::toException))
                                                                .build());
            } catch (RuntimeException e) {
                // One call refusing its answer must not keep the rest of the batch from theirs.
                logger.warn("A CreateMessage call could not be answered", e);
            }
        }
    }

    private List<MessageResult> store(List<Pending> batch) {
        final List<NewMessage> messages = batch.stream().map(Pending::message).toList();
        try {
            return store.createMessages(messages);
        } catch (RuntimeException e) {
            // The store reports failures per message; should it throw instead, each call still
            // gets its answer.
            return Collections.nCopies(batch.size(), MessageResult.failed(e));
        }
    }
}
