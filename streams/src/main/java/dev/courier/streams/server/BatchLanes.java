package dev.courier.streams.server;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what its callers hand in, in batches, on a store executor: a transaction per batch
 * instead of per item, for writes that take turns on one row (a conversation's, a chat's).
 *
 * <p>Each item goes to the lane its key picks. A drain on the executor takes what has queued in
 * its lane, up to the largest batch, writes it, and goes on while items remain. Nothing waits for
 * a batch to fill: a lone item is written at once, and under load a batch is what queued while the
 * one before it was being written.
 *
 * <p>With one drain a lane, a lane's items are written in the order queued, a batch at a time.
 * With more, a batch may be written while the one before it still commits or answers its callers;
 * writes of the same rows then still take turns, on the database's row locks.
 *
 * @param <T> the items
 */
public final class BatchLanes<T> {

    /** Writes a batch, and tells each of its items' callers how it went. */
    @FunctionalInterface
    public interface Writer<T> {

        /** Called on the executor, for as many batches of a lane at once as it has drains. */
        void write(List<T> batch);
    }

    private static final Logger logger = LoggerFactory.getLogger(BatchLanes.class);

    private final Executor executor;
    private final Writer<T> writer;
    private final Consumer<T> busy;
    private final int drains;
    private final int maxBatch;
    private final List<Lane> lanes;

    /**
     * Lanes of {@code capacity} items each, written by {@code writer} on {@code executor} in
     * batches of at most {@code maxBatch}, by at most {@code drains} drains a lane at once; an item
     * that finds its lane full, or whose lane the executor refuses to drain, goes to {@code busy}.
     */
    public BatchLanes(int lanes, int drains, int capacity, int maxBatch, Executor executor, Writer<T> writer,
                      Consumer<T> busy) {
        if (lanes < 1 || drains < 1 || capacity < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("lanes, drains, capacity and maxBatch must be positive: " + lanes +
                                               ", " + drains + ", " + capacity + ", " + maxBatch);
        }
        this.executor = requireNonNull(executor, "executor");
        this.writer = requireNonNull(writer, "writer");
        this.busy = requireNonNull(busy, "busy");
        this.drains = drains;
        this.maxBatch = maxBatch;
        final List<Lane> all = new ArrayList<>(lanes);
        for (int i = 0; i < lanes; i++) {
            all.add(new Lane(capacity));
        }
        this.lanes = List.copyOf(all);
    }

    /** Queues {@code item} on the lane of {@code key}, whose drains take its items in the order queued. */
    public void offer(int key, T item) {
        lanes.get(Math.floorMod(key, lanes.size())).offer(item);
    }

    private final class Lane {

        private final BlockingQueue<T> pending;
        /** Drains running, or handed to the executor. */
        private final AtomicInteger running = new AtomicInteger();

        Lane(int capacity) {
            pending = new LinkedBlockingQueue<>(capacity);
        }

        void offer(T item) {
            if (!pending.offer(item)) {
                busy.accept(item);
                return;
            }
            if (!claim()) {
                return;
            }
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                // With no drain left running, nothing would ever write what is queued.
                if (running.decrementAndGet() == 0) {
                    T next;
                    while ((next = pending.poll()) != null) {
                        busy.accept(next);
                    }
                }
            }
        }

        /** Counts one more drain, unless nothing waits or as many as may run already do. */
        private boolean claim() {
            while (true) {
                final int now = running.get();
                if (now >= drains || pending.isEmpty()) {
                    return false;
                }
                if (running.compareAndSet(now, now + 1)) {
                    return true;
                }
            }
        }

        private void drain() {
            while (true) {
                final List<T> batch = new ArrayList<>(Math.min(maxBatch, pending.size()));
                pending.drainTo(batch, maxBatch);
                if (!batch.isEmpty()) {
                    write(batch);
                    continue;
                }
                running.decrementAndGet();
                // An item queued after the batch came up empty, but before the count went down,
                // saw this drain running and started none: look again, now that the count is down.
                if (!claim()) {
                    return;
                }
            }
        }

        private void write(List<T> batch) {
            try {
                writer.write(batch);
            } catch (RuntimeException e) {
                // The writer answers its items; one that throws must not stop the lane for the rest.
                logger.warn("A batch of {} could not be written", batch.size(), e);
            }
        }
    }
}
