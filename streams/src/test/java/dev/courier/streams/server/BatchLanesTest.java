package dev.courier.streams.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How items are batched: what queues in a lane while its batch is written makes the next
 * batches, one batch of a lane at a time, and every item is written once or handed to busy.
 */
class BatchLanesTest {

    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final CountDownLatch firstBatchEntered = new CountDownLatch(1);
    private final CountDownLatch releaseFirstBatch = new CountDownLatch(1);
    private final List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
    private final List<Integer> refused = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() throws InterruptedException {
        releaseFirstBatch.countDown();
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS), "the executor did not stop");
    }

    @Test
    void itemsQueuedWhileABatchIsWrittenMakeTheNextBatches() throws InterruptedException {
        final BatchLanes<Integer> lanes = lanes(1, 100, 10, this::holdFirst);
        holdFirstBatch(lanes);
        for (int i = 1; i < 25; i++) {
            lanes.offer(0, i);
        }

        releaseFirstBatch.countDown();

        awaitWritten(25);
        assertEquals(List.of(range(0, 1), range(1, 11), range(11, 21), range(21, 25)), batches);
    }

    @Test
    void anItemThatFindsItsLaneFullGoesToBusy() throws InterruptedException {
        final BatchLanes<Integer> lanes = lanes(1, 3, 10, this::holdFirst);
        holdFirstBatch(lanes);
        for (int i = 1; i < 5; i++) {
            lanes.offer(0, i);
        }

        assertEquals(List.of(4), refused);
        releaseFirstBatch.countDown();
        awaitWritten(4);
        assertEquals(List.of(range(0, 1), range(1, 4)), batches);
    }

    @Test
    void itemsOfALaneTheExecutorRefusesToDrainGoToBusy() {
        final BatchLanes<Integer> lanes = new BatchLanes<>(2, 1, 10, 10, command -> {
            throw new RejectedExecutionException("shut down");
        }, batches::add, refused::add);

        lanes.offer(0, 0);
        lanes.offer(1, 1);

        assertEquals(List.of(0, 1), refused);
        assertEquals(List.of(), batches);
    }

    @Test
    void aWriterThatThrowsDoesNotStopItsLane() throws InterruptedException {
        final BatchLanes<Integer> lanes = lanes(1, 100, 10, batch -> {
            batches.add(batch);
            if (batch.contains(0)) {
                throw new IllegalStateException("broken");
            }
        });

        lanes.offer(0, 0);
        awaitWritten(1);
        lanes.offer(0, 1);

        awaitWritten(2);
        assertEquals(List.of(List.of(0), List.of(1)), batches);
    }

    @Test
    void aSlowBatchHoldsUpItsOwnLaneOnly() throws InterruptedException {
        final BatchLanes<Integer> lanes = lanes(2, 100, 10, this::holdFirst);
        holdFirstBatch(lanes);

        lanes.offer(0, 1);
        lanes.offer(1, 2);

        awaitWritten(2);
        assertEquals(List.of(List.of(0), List.of(2)), batches);
        releaseFirstBatch.countDown();
        awaitWritten(3);
        assertEquals(List.of(List.of(0), List.of(2), List.of(1)), batches);
    }

    @Test
    void aLaneWithTwoDrainsWritesWhileOneOfItsBatchesIsHeld() throws InterruptedException {
        final BatchLanes<Integer> lanes = lanes(1, 2, 100, 10, this::holdFirst);
        holdFirstBatch(lanes);

        lanes.offer(0, 1);
        lanes.offer(0, 2);

        awaitWritten(3);
        assertEquals(List.of(0), batches.get(0));
        releaseFirstBatch.countDown();
    }

    /**
     * Many callers at once: every item written once, in the order its caller queued it, a batch
     * of a lane at a time.
     */
    @Test
    void concurrentCallersAreEachWrittenOnceInOrder() throws Exception {
        final int laneCount = 3;
        final int callers = 6;
        final int perCaller = 2_000;
        final AtomicInteger[] writing = IntStream.range(0, laneCount).mapToObj(i -> new AtomicInteger())
                                                 .toArray(AtomicInteger[]::new);
        final AtomicInteger mostWritingOneLane = new AtomicInteger();
        final BatchLanes<Integer> lanes = lanes(laneCount, 100_000, 8, batch -> {
            final AtomicInteger lane = writing[batch.get(0) / perCaller % laneCount];
            mostWritingOneLane.accumulateAndGet(lane.incrementAndGet(), Math::max);
            Thread.yield();
            batches.add(batch);
            lane.decrementAndGet();
        });
        final ExecutorService threads = Executors.newFixedThreadPool(callers);
        try {
            final List<Future<?>> offered = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                final int first = c * perCaller;
                // Each caller keeps to one key, so its items share a lane and keep their order.
                offered.add(threads.submit(() -> IntStream.range(first, first + perCaller)
                                                          .forEach(i -> lanes.offer(first / perCaller, i))));
            }
            for (Future<?> future : offered) {
                future.get(10, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }

        awaitWritten(callers * perCaller);
        assertEquals(List.of(), refused);
        assertEquals(1, mostWritingOneLane.get(), "batches of one lane written at once");
        final ConcurrentHashMap<Integer, Integer> lastOfCaller = new ConcurrentHashMap<>();
        synchronized (batches) {
            for (List<Integer> batch : batches) {
                assertTrue(batch.size() <= 8, "a batch over the limit");
                for (int item : batch) {
                    final Integer last = lastOfCaller.put(item / perCaller, item);
                    assertEquals(last == null ? item / perCaller * perCaller : last + 1, item, "out of order");
                }
            }
        }
    }

    @Test
    void sizesMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> lanes(0, 10, 10, batches::add));
        assertThrows(IllegalArgumentException.class, () -> lanes(1, 0, 10, 10, batches::add));
        assertThrows(IllegalArgumentException.class, () -> lanes(1, 0, 10, batches::add));
        assertThrows(IllegalArgumentException.class, () -> lanes(1, 10, 0, batches::add));
    }

    private BatchLanes<Integer> lanes(int lanes, int capacity, int maxBatch, BatchLanes.Writer<Integer> writer) {
        return lanes(lanes, 1, capacity, maxBatch, writer);
    }

    private BatchLanes<Integer> lanes(int lanes, int drains, int capacity, int maxBatch,
                                      BatchLanes.Writer<Integer> writer) {
        return new BatchLanes<>(lanes, drains, capacity, maxBatch, executor, writer, refused::add);
    }

    /** Records the batch, and holds the first until released. */
    private void holdFirst(List<Integer> batch) {
        batches.add(batch);
        if (firstBatchEntered.getCount() > 0) {
            firstBatchEntered.countDown();
            try {
                assertTrue(releaseFirstBatch.await(10, TimeUnit.SECONDS), "the first batch was never released");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Offers item 0 to lane 0, and waits until {@link #holdFirst} holds its batch. */
    private void holdFirstBatch(BatchLanes<Integer> lanes) throws InterruptedException {
        lanes.offer(0, 0);
        assertTrue(firstBatchEntered.await(10, TimeUnit.SECONDS), "the first batch was never written");
    }

    private void awaitWritten(int items) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (written() < items) {
            assertTrue(System.nanoTime() < deadline, () -> "only " + written() + " of " + items + " written");
            Thread.sleep(1);
        }
    }

    private int written() {
        synchronized (batches) {
            return batches.stream().mapToInt(List::size).sum();
        }
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
    }
}
