package dev.courier.threads;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor that blocking store calls run on: a fixed number of threads, matching the
 * connection pool, and a bounded queue; when the queue is full, calls are rejected (and the
 * RPC ends with RESOURCE_EXHAUSTED) instead of piling up.
 */
public final class StoreExecutor {

    /** Returns a new executor of named daemon threads. */
    public static ExecutorService create(String name, int threads, int queueCapacity) {
        final AtomicInteger count = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                                      new ArrayBlockingQueue<>(queueCapacity),
                                      task -> {
                                          final Thread thread = new Thread(task, name + '-' +
                                                                                 count.incrementAndGet());
                                          thread.setDaemon(true);
                                          return thread;
                                      });
    }

    private StoreExecutor() {}
}
