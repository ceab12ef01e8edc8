package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.courier.streams.bus.Bus;
import dev.courier.streams.bus.InProcessBus;

/**
 * An {@link InProcessBus} that tells a test when subscriptions start and end, so that it
 * publishes only once its subscribers are listening, without sleeping.
 */
final class WatchedBus implements Bus {

    private static final long TIMEOUT_SECONDS = 10;

    private final InProcessBus bus = new InProcessBus();
    private final Semaphore subscribed = new Semaphore(0);
    private final Semaphore released = new Semaphore(0);

    @Override
    public void publish(String subject, byte[] payload) {
        bus.publish(subject, payload);
    }

    @Override
    public Subscription subscribe(String subject, Listener listener) {
        final Subscription subscription = bus.subscribe(subject, listener);
        subscribed.release();
        final AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                subscription.close();
                released.release();
            }
        };
    }

    /** Waits until {@code count} more subscriptions have started. */
    void awaitSubscribed(int count) throws InterruptedException {
        assertTrue(subscribed.tryAcquire(count, TIMEOUT_SECONDS, TimeUnit.SECONDS),
                   () -> "subscriptions started: " + subscribed.availablePermits() + " (expected: " + count + ')');
    }

    /** Waits until {@code count} more subscriptions have been closed. */
    void awaitReleased(int count) throws InterruptedException {
        assertTrue(released.tryAcquire(count, TIMEOUT_SECONDS, TimeUnit.SECONDS),
                   () -> "subscriptions closed: " + released.availablePermits() + " (expected: " + count + ')');
    }

    /** The subscriptions open right now. */
    int open() {
        return bus.subscriptions();
    }

    @Override
    public int subscriptions() {
        return bus.subscriptions();
    }

    @Override
    public void close() {
        bus.close();
    }
}
