package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.channel.EventLoop;

/**
 * Hands work from other threads to one event loop in runs: tasks queued while a run is pending
 * join it, instead of each becoming a task of the loop. A store thread answers a batch of calls
 * at once; their responses then reach the loop together, and with {@link FlushBatching} their
 * writes leave in one system call.
 */
final class LoopHandoff implements Executor {

    private final EventLoop loop;
    private final Queue<Runnable> queued = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable run = this::run;

    LoopHandoff(EventLoop loop) {
        this.loop = requireNonNull(loop, "loop");
    }

    /** Runs {@code task} on the loop: at once when called there, else in the next run. */
    @Override
    public void execute(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
            return;
        }
        queued.add(task);
        if (!scheduled.get() && scheduled.compareAndSet(false, true)) {
            loop.execute(run);
        }
    }

    private void run() {
        // Cleared before polling: a task queued after the last poll schedules the next run.
        scheduled.set(false);
        Runnable task;
        while ((task = queued.poll()) != null) {
            task.run();
        }
    }
}
