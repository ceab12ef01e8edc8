package dev.courier.streams.bus;

/**
 * Carries payloads from publishers to the current subscribers of a subject. Every subscriber of a
 * subject receives its payloads in one order, the order they were published in. Listeners are
 * called one payload at a time and must not block: they hand the payload on (to a bounded queue)
 * and return.
 */
public interface Bus extends AutoCloseable {

    /** Delivers the payload to every current subscriber of the subject. */
    void publish(String subject, byte[] payload);

    /** Subscribes to a subject until the returned subscription is closed. */
    Subscription subscribe(String subject, Listener listener);

    /** Whether the bus can carry messages now (its server, if any, is reachable). */
    default boolean isConnected() {
        return true;
    }

    /** The subscriptions open on this node. */
    int subscriptions();

    /** Releases the bus: every listener is told, through {@link Listener#onBusClosed()}. */
    @Override
    void close();

    /** Receives the payloads of a subject. */
    @FunctionalInterface
    interface Listener {

        /** Called once per payload, never concurrently for one subscription; must not block. */
        void onPayload(byte[] payload);

        /** Called when the bus closes (the server is shutting down): no payload will follow. */
        default void onBusClosed() {}
    }

    /** An active subscription. */
    interface Subscription extends AutoCloseable {

        /** Stops the deliveries; idempotent. */
        @Override
        void close();
    }
}
