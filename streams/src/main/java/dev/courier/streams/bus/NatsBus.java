package dev.courier.streams.bus;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.nats.client.Connection;
import io.nats.client.Consumer;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;

/**
 * A {@link Bus} across nodes on NATS. Each node subscribes once per subject it has listeners for
 * and fans out to them locally; its own publishes come back through NATS like everyone else's, so
 * every listener on every node sees one order, the order the NATS server received them in.
 * Listeners run on one dispatcher thread. While NATS is out of reach, publishing fails with
 * {@link BusUnavailableException}; the connection comes back by itself and resubscribes.
 */
public final class NatsBus implements Bus {

    private static final Logger logger = LoggerFactory.getLogger(NatsBus.class);
    private static final String PREFIX = "courier.";

    private final Connection connection;
    private final Dispatcher dispatcher;
    private final ConcurrentHashMap<String, CopyOnWriteArrayList<Bus.Listener>> topics = new ConcurrentHashMap<>();

    private NatsBus(Connection connection) {
        this.connection = connection;
        dispatcher = connection.createDispatcher(message -> {
            final CopyOnWriteArrayList<Bus.Listener> listeners =
                    topics.get(message.getSubject().substring(PREFIX.length()));
            if (listeners != null) {
                final byte[] payload = message.getData();
                for (Bus.Listener listener : listeners) {
                    listener.onPayload(payload);
                }
            }
        });
    }

    /**
     * Connects to NATS.
     *
     * @throws IOException if no server answers at the URL
     */
    public static NatsBus connect(String url) throws IOException, InterruptedException {
        requireNonNull(url, "url");
        final Options options = new Options.Builder()
                .server(url)
                .connectionName("courier")
                .connectionTimeout(Duration.ofSeconds(3))
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(250))
                // Publishing while disconnected fails at once rather than piling up in a buffer.
                .reconnectBufferSize(0)
                .errorListener(new ErrorListener() {
                    @Override
                    public void slowConsumerDetected(Connection conn, Consumer consumer) {
                        logger.warn("NATS dropped messages: this node's dispatcher fell behind");
                    }
                })
                .connectionListener((conn, event) -> logger.info("NATS: {}", event))
                .build();
        return new NatsBus(Nats.connect(options));
    }

    @Override
    public void publish(String subject, byte[] payload) {
        requireNonNull(subject, "subject");
        requireNonNull(payload, "payload");
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            throw new BusUnavailableException("NATS is " + connection.getStatus());
        }
        try {
            connection.publish(PREFIX + subject, payload);
        } catch (IllegalStateException e) {
            throw new BusUnavailableException("NATS refused the message: " + e.getMessage());
        }
    }

    @Override
    public Subscription subscribe(String subject, Bus.Listener listener) {
        requireNonNull(subject, "subject");
        requireNonNull(listener, "listener");
        topics.compute(subject, (name, listeners) -> {
            final CopyOnWriteArrayList<Bus.Listener> target = listeners != null ? listeners
                                                                               : new CopyOnWriteArrayList<>();
            if (listeners == null) {
                dispatcher.subscribe(PREFIX + subject);
            }
            target.add(listener);
            return target;
        });
        return () -> topics.computeIfPresent(subject, (name, listeners) -> {
            listeners.remove(listener);
            if (listeners.isEmpty()) {
                dispatcher.unsubscribe(PREFIX + subject);
                return null;
            }
            return listeners;
        });
    }

    @Override
    public boolean isConnected() {
        return connection.getStatus() == Connection.Status.CONNECTED;
    }

    @Override
    public int subscriptions() {
        int count = 0;
        for (CopyOnWriteArrayList<Bus.Listener> listeners : topics.values()) {
            count += listeners.size();
        }
        return count;
    }

    @Override
    public void close() {
        for (CopyOnWriteArrayList<Bus.Listener> listeners : topics.values()) {
            listeners.forEach(Bus.Listener::onBusClosed);
        }
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        topics.clear();
    }
}
