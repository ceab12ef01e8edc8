package dev.courier.streams.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;

/** Outbox: writes only while ready, one writer at a time, and a bounded queue that ends the stream. */
class OutboxTest {

    private static final StatusRuntimeException OVERFLOW = Status.RESOURCE_EXHAUSTED.asRuntimeException();

    private final Stream stream = new Stream();
    private final AtomicInteger subscriptionCloses = new AtomicInteger();
    private final Bus.Subscription subscription = subscriptionCloses::incrementAndGet;

    @Test
    void outboxWritesOnlyWhileTheTransportIsReady() {
        final Outbox<Integer> outbox = new Outbox<>(stream, 8, OVERFLOW);
        stream.ready = false;
        outbox.offer(1);
        outbox.offer(2);
        assertEquals(List.of(), stream.written());

        stream.ready = true;
        outbox.drain();
        assertEquals(List.of(1, 2), stream.written());
        outbox.offer(3);
        assertEquals(List.of(1, 2, 3), stream.written());
    }

    @Test
    void outboxEndsTheStreamWhenMoreThanItsCapacityWait() {
        final Outbox<Integer> outbox = new Outbox<>(stream, 3, OVERFLOW);
        outbox.subscribed(subscription);
        stream.ready = false;
        for (int i = 1; i <= 3; i++) {
            outbox.offer(i);
        }
        assertNull(stream.error);
        assertFalse(outbox.isClosed());

        outbox.offer(4);

        assertSame(OVERFLOW, stream.error);
        assertTrue(outbox.isClosed());
        assertEquals(1, subscriptionCloses.get());
        stream.ready = true;
        outbox.drain();
        outbox.offer(5);
        assertEquals(List.of(), stream.written(), "what was queued is dropped, and nothing more is taken");
        assertEquals(1, stream.errors.get());
    }

    @Test
    void writtenItemsFreeTheirPlaceInTheQueue() {
        final Outbox<Integer> outbox = new Outbox<>(stream, 2, OVERFLOW);
        for (int round = 0; round < 10; round++) {
            stream.ready = false;
            outbox.offer(round * 2);
            outbox.offer(round * 2 + 1);
            stream.ready = true;
            outbox.drain();
        }

        assertNull(stream.error);
        assertEquals(20, stream.written().size());
    }

    @Test
    void failEndsTheStreamAtOnceEvenWhenTheTransportIsNotReady() {
        final Outbox<Integer> outbox = new Outbox<>(stream, 8, OVERFLOW);
        outbox.subscribed(subscription);
        stream.ready = false;
        outbox.offer(1);
        final StatusRuntimeException error = Status.INTERNAL.asRuntimeException();

        outbox.fail(error);

        assertSame(error, stream.error);
        assertEquals(1, subscriptionCloses.get());
        stream.ready = true;
        outbox.drain();
        assertEquals(List.of(), stream.written());
    }

    @Test
    void cancelledReleasesTheSubscriptionAndDropsTheQueueWithoutWriting() {
        final Outbox<Integer> outbox = new Outbox<>(stream, 8, OVERFLOW);
        outbox.subscribed(subscription);
        stream.ready = false;
        outbox.offer(1);

        outbox.cancelled();

        assertEquals(1, subscriptionCloses.get());
        assertTrue(outbox.isClosed());
        stream.ready = true;
        outbox.offer(2);
        outbox.drain();
        assertEquals(List.of(), stream.written());
        assertNull(stream.error);
        assertFalse(stream.completed);
    }

    @Test
    void subscriptionThatArrivesAfterTheStreamEndedIsClosedAtOnce() {
        final Outbox<Integer> outbox = new Outbox<>(stream, 8, OVERFLOW);
        outbox.cancelled();

        outbox.subscribed(subscription);

        assertEquals(1, subscriptionCloses.get());
    }

    @Test
    void completeWritesWhatIsQueuedBeforeCompleting() {
        final Outbox<Integer> outbox = new Outbox<>(stream, 8, OVERFLOW);
        outbox.subscribed(subscription);
        stream.ready = false;
        outbox.offer(1);
        outbox.offer(2);

        outbox.complete();
        assertFalse(stream.completed);
        stream.ready = true;
        outbox.drain();

        assertEquals(List.of(1, 2), stream.written());
        assertTrue(stream.completed);
        assertEquals(1, subscriptionCloses.get());
    }

    @Test
    void outboxRejectsACapacityBelowOne() {
        final IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new Outbox<>(stream, 0, OVERFLOW));
        assertEquals("capacity: 0 (expected: >= 1)", e.getMessage());
    }

    @Test
    void itemOfferedWhileAnotherThreadFinishesADrainIsWrittenByThatThread() throws Exception {
        final Outbox<Integer> outbox = new Outbox<>(stream, 8, OVERFLOW);
        final ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            // The drain below finds the transport not ready once, and while it is about to stop,
            // another thread offers: its drain returns at once, so this one must go round again.
            stream.beforeNextIsReady = () -> await(other.submit(() -> outbox.offer(2)));
            outbox.offer(1);
        } finally {
            other.shutdownNow();
        }

        assertEquals(List.of(1, 2), stream.written());
    }

    @Test
    void concurrentOffersAreWrittenByOneThreadAtATimeAndNoneIsLeftBehind() throws Exception {
        final int threads = 4;
        final int perThread = 20_000;
        final Outbox<Integer> outbox = new Outbox<>(stream, threads * perThread, OVERFLOW);
        final ExecutorService offerers = Executors.newFixedThreadPool(threads);
        final CountDownLatch start = new CountDownLatch(1);
        for (int t = 0; t < threads; t++) {
            final int base = t * perThread;
            offerers.execute(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    outbox.offer(base + i);
                }
            });
        }
        start.countDown();
        offerers.shutdown();
        assertTrue(offerers.awaitTermination(30, TimeUnit.SECONDS));

        assertEquals(0, stream.overlappingWrites.get(), "onNext calls that overlapped");
        final List<Integer> written = stream.written();
        assertEquals(threads * perThread, written.size(), "written without a further drain");
        final int[] next = new int[threads];
        for (int item : written) {
            final int thread = item / perThread;
            assertEquals(thread * perThread + next[thread], item, "order of one thread's offers");
            next[thread]++;
        }
    }

    private static void await(Future<?> task) {
        try {
            task.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the other thread's offer did not return", e);
        }
    }

    /** A server stream that records what is written to it and is ready when a test says so. */
    private static final class Stream extends ServerCallStreamObserver<Integer> {

        volatile boolean ready = true;
        /** Runs in the next isReady() call, which then answers not ready. */
        volatile Runnable beforeNextIsReady;
        volatile StatusRuntimeException error;
        volatile boolean completed;
        final AtomicInteger errors = new AtomicInteger();
        final AtomicInteger overlappingWrites = new AtomicInteger();
        private final AtomicBoolean writing = new AtomicBoolean();
        // Not thread-safe on purpose: the outbox promises one writer at a time.
        private final List<Integer> written = new ArrayList<>();

        /** What was written; read once the writers are done. */
        List<Integer> written() {
            return List.copyOf(written);
        }

        @Override
        public void onNext(Integer value) {
            if (!writing.compareAndSet(false, true)) {
                overlappingWrites.incrementAndGet();
            }
            written.add(value);
            writing.set(false);
        }

        @Override
        public void onError(Throwable t) {
            errors.incrementAndGet();
            error = (StatusRuntimeException) t;
        }

        @Override
        public void onCompleted() {
            completed = true;
        }

        @Override
        public boolean isReady() {
            final Runnable hook = beforeNextIsReady;
            if (hook != null) {
                beforeNextIsReady = null;
                hook.run();
                return false;
            }
            return ready;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable onCancelHandler) {}

        @Override
        public void setCompression(String compression) {}

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {}

        @Override
        public void disableAutoInboundFlowControl() {}

        @Override
        public void request(int count) {}

        @Override
        public void setMessageCompression(boolean enable) {}
    }
}
