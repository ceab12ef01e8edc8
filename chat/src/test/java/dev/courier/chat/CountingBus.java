package dev.courier.chat;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.courier.streams.bus.Bus;

/**
 * A {@link Bus} that hands everything to another and counts the subscriptions opened and closed,
 * so a test can wait for Connect streams to be subscribed and check that ended ones let go.
 */
final class CountingBus implements Bus {

    private final Bus delegate;
    private long opened;
    private long closed;

    CountingBus(Bus delegate) {
        this.delegate = requireNonNull(delegate, "delegate");
    }

    @Override
    public void publish(String subject, byte[] payload) {
        delegate.publish(subject, payload);
    }

    @Override
    public Subscription subscribe(String subject, Listener listener) {
        final Subscription subscription = delegate.subscribe(subject, listener);
        changed(1, 0);
        final AtomicBoolean released = new AtomicBoolean();
        return () -> {
            subscription.close();
            // close() is idempotent: count a subscription once however often it is closed.
            if (released.compareAndSet(false, true)) {
                changed(0, 1);
            }
        };
    }

    @Override
    public int subscriptions() {
        return delegate.subscriptions();
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** Subscriptions opened so far. */
    synchronized long opened() {
        return opened;
    }

    /** Subscriptions opened and not yet closed. */
    synchronized long live() {
        return opened - closed;
    }

    /**
     * Waits until {@code live()} is {@code expected}; fails with what it saw after {@code timeout}.
     */
    synchronized void awaitLive(long expected, Duration timeout) throws InterruptedException {
        awaitCount(expected, timeout, "live", true);
    }

    /**
     * Waits until {@code opened()} is {@code expected}; fails with what it saw after {@code timeout}.
     */
    synchronized void awaitOpened(long expected, Duration timeout) throws InterruptedException {
        awaitCount(expected, timeout, "opened", false);
    }

    private void awaitCount(long expected, Duration timeout, String what, boolean live)
            throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while ((live ? opened - closed : opened) != expected) {
            final long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMillis <= 0) {
                throw new AssertionError(what + " subscriptions: " + (live ? opened - closed : opened) +
                                         " (expected: " + expected + " within " + timeout + "; opened " +
                                         opened + ", closed " + closed + ')');
            }
            wait(remainingMillis);
        }
    }

    private synchronized void changed(int moreOpened, int moreClosed) {
        opened += moreOpened;
        closed += moreClosed;
        notifyAll();
    }
}
