package dev.courier.streams;

import static dev.courier.streams.RunningStreams.BACKEND;
import static dev.courier.streams.SubscribeTest.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Timestamp;

import dev.courier.proto.streams.Message;
import dev.courier.streams.RunningStreams.Caller;

/** Many subscribers of one topic each receive every message, and no one else does. */
class SubscribeFanOutTest {

    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05.123456789Z");
    private static final Timestamp SENT_AT =
            Timestamp.newBuilder().setSeconds(NOW.getEpochSecond()).setNanos(NOW.getNano()).build();
    private static final int SUBSCRIBERS = 20;
    private static final int MESSAGES = 500;
    private static final String TOPIC = "orders.created";

    private RunningStreams streams;

    @BeforeEach
    void start() {
        streams = RunningStreams.start(new MutableClock(NOW));
    }

    @AfterEach
    void stop() throws InterruptedException {
        streams.close();
    }

    @Test
    void everySubscriberOfATopicReceivesEveryMessageInOrderAndNoOneElseDoes() throws Exception {
        final Caller acme = BACKEND.in("acme");
        final Caller globex = BACKEND.in("globex");
        final List<Subscriber> subscribers = new ArrayList<>();
        for (int i = 0; i < SUBSCRIBERS; i++) {
            final Subscriber subscriber = Subscriber.reading();
            streams.subscribe(acme, TOPIC, subscriber);
            subscribers.add(subscriber);
        }
        final Subscriber otherTopic = Subscriber.reading();
        streams.subscribe(acme, "orders.deleted", otherTopic);
        final Subscriber otherNamespace = Subscriber.reading();
        streams.subscribe(globex, TOPIC, otherNamespace);
        streams.bus().awaitSubscribed(SUBSCRIBERS + 2);

        final List<Message> expected = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            if (i == MESSAGES / 2) {
                // Midway, in the order of the bus: a leak to the acme subscribers would land in
                // their sequence, and one of theirs to these two before the closing message below.
                streams.publish(acme, "orders.deleted", "deleted");
                streams.publish(globex, TOPIC, "globex");
            }
            final String text = "message " + i;
            streams.publish(acme, TOPIC, text);
            expected.add(Message.newBuilder().setTopic(TOPIC).setMessage(text).setSentAt(SENT_AT).build());
        }
        streams.publish(acme, "orders.deleted", "last");
        streams.publish(globex, TOPIC, "last");

        for (Subscriber subscriber : subscribers) {
            subscriber.awaitReceived(MESSAGES);
            assertEquals(expected, subscriber.messages());
        }
        otherTopic.awaitReceived(2);
        assertEquals(List.of("deleted", "last"), texts(otherTopic.messages()));
        otherNamespace.awaitReceived(2);
        assertEquals(List.of("globex", "last"), texts(otherNamespace.messages()));
    }
}
