package dev.courier.streams.bus;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * The sending side of a server stream fed from the bus: items arrive on any thread, wait in a
 * queue of bounded length, and are written by one drain loop at a time, only while the transport
 * is ready. When a client stops reading and the queue is full, the stream ends with the overflow
 * error and the queue is dropped: loss is never silent, and memory never grows past the bound.
 *
 * <p>Register {@link #drain()} as the stream's on-ready handler and {@link #cancelled()} as its
 * on-cancel handler.
 *
 * @param <T> the type of the stream's messages
 */
public final class Outbox<T> {

    /** Streams ended for not reading, in this process: the slow consumers dropped so far. */
    private static final LongAdder overflows = new LongAdder();

    /** The streams of this process ended so far because their client did not read. */
    public static long overflows() {
        return overflows.sum();
    }

    /** Counts a stream ended for not reading. */
    static void countOverflow() {
        overflows.increment();
    }

    private final ServerCallStreamObserver<T> out;
    private final int capacity;
    private final StatusRuntimeException overflow;
    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger drains = new AtomicInteger();

    private volatile StatusRuntimeException failure;
    private volatile boolean completing;
    private volatile boolean closed;
    private volatile Bus.Subscription subscription;

    /** Returns the outbox of a stream, ending it with {@code overflow} past {@code capacity} items. */
    public Outbox(ServerCallStreamObserver<T> out, int capacity, StatusRuntimeException overflow) {
        this.out = requireNonNull(out, "out");
        this.overflow = requireNonNull(overflow, "overflow");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.capacity = capacity;
    }

    /** Ties a bus subscription to the stream: it is closed when the stream ends. */
    public void subscribed(Bus.Subscription subscription) {
        this.subscription = subscription;
        if (closed) {
            subscription.close();
        }
    }

    /** Whether the stream has ended or is ending: nothing more will be written. */
    public boolean isClosed() {
        return closed || failure != null;
    }

    /** Queues an item and writes what the transport takes. */
    public void offer(T item) {
        if (isClosed()) {
            return;
        }
        if (queued.incrementAndGet() > capacity) {
            if (failure == null) {
                countOverflow();
            }
            fail(overflow);
            return;
        }
        queue.add(item);
        drain();
    }

    /** Ends the stream with an error at once; what is queued is dropped. */
    public void fail(StatusRuntimeException error) {
        if (failure == null) {
            failure = error;
        }
        drain();
    }

    /** Ends the stream normally once the queue is written. */
    public void complete() {
        completing = true;
        drain();
    }

    /** Releases everything when the client has gone. */
    public void cancelled() {
        closed = true;
        release();
    }

    /** Writes what the transport takes; only one thread at a time runs the loop. */
    public void drain() {
        if (drains.getAndIncrement() != 0) {
            return;
        }
        do {
            if (closed) {
                queue.clear();
            } else if (failure != null) {
                closed = true;
                release();
                out.onError(failure);
            } else {
                T item;
                while (out.isReady() && (item = queue.poll()) != null) {
                    queued.decrementAndGet();
                    out.onNext(item);
                }
                if (completing && queue.isEmpty()) {
                    closed = true;
                    release();
                    out.onCompleted();
                }
            }
        } while (drains.decrementAndGet() != 0);
    }

    private void release() {
        final Bus.Subscription current = subscription;
        if (current != null) {
            current.close();
        }
        queue.clear();
    }
}
