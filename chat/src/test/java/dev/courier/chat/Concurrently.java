package dev.courier.chat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Runs tasks each on its own thread, all released at once by a start gate. */
final class Concurrently {

    /**
     * Runs every task on a thread of its own, holds them at a start gate until all are ready, and
     * returns their results in task order; a task's failure fails the caller.
     */
    static <T> List<T> run(List<Callable<T>> tasks) throws Exception {
        final ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        final CountDownLatch ready = new CountDownLatch(tasks.size());
        final CountDownLatch startGate = new CountDownLatch(1);
        try {
            final List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    if (!startGate.await(10, TimeUnit.SECONDS)) {
                        throw new AssertionError("start gate never opened");
                    }
                    return task.call();
                }));
            }
            assertTrue(ready.await(10, TimeUnit.SECONDS), "tasks did not all start");
            startGate.countDown();
            final List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(30, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS), "tasks did not stop");
        }
    }

    private Concurrently() {}
}
