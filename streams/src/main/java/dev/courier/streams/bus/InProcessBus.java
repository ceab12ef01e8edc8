package dev.courier.streams.bus;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link Bus} within one process: a publish calls the listeners of the subject on the
 * publisher's thread, one after the other, with the same payload array (never copied).
 * Publishes to one subject are serialized, so every listener sees the same order.
 */
public final class InProcessBus implements Bus {

    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();

    @Override
    public void publish(String subject, byte[] payload) {
        requireNonNull(subject, "subject");
        requireNonNull(payload, "payload");
        final Topic topic = topics.get(subject);
        if (topic == null) {
            return;
        }
        synchronized (topic) {
            for (Bus.Listener listener : topic.listeners) {
                listener.onPayload(payload);
            }
        }
    }

    @Override
    public Subscription subscribe(String subject, Bus.Listener listener) {
        requireNonNull(subject, "subject");
        requireNonNull(listener, "listener");
        topics.compute(subject, (name, topic) -> {
            final Topic target = topic != null ? topic : new Topic();
            target.listeners.add(listener);
            return target;
        });
        return () -> topics.computeIfPresent(subject, (name, current) -> {
            current.listeners.remove(listener);
            return current.listeners.isEmpty() ? null : current;
        });
    }

    /** The number of subjects with at least one subscriber. */
    int subjects() {
        return topics.size();
    }

    @Override
    public int subscriptions() {
        int count = 0;
        for (Topic topic : topics.values()) {
            count += topic.listeners.size();
        }
        return count;
    }

    @Override
    public void close() {
        for (Topic topic : topics.values()) {
            topic.listeners.forEach(Bus.Listener::onBusClosed);
        }
        topics.clear();
    }

    private static final class Topic {
        final CopyOnWriteArrayList<Bus.Listener> listeners = new CopyOnWriteArrayList<>();
    }
}
