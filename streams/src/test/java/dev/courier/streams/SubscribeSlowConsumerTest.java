package dev.courier.streams;

import static dev.courier.streams.Outcome.assertError;
import static dev.courier.streams.RunningStreams.BACKEND;
import static dev.courier.streams.SubscribeTest.texts;
import static io.grpc.Status.Code.RESOURCE_EXHAUSTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A subscriber that stops reading is ended once its queue overflows, while the others of its
 * topic go on, and publishers never wait for it.
 */
class SubscribeSlowConsumerTest {

    private static final int QUEUE = 16;
    /** Published between waits for the reading subscriber, so that its own queue never fills. */
    private static final int ROUND = 4;
    private static final String TOPIC = "orders.created";

    private RunningStreams streams;
    private final List<String> published = new ArrayList<>();

    @BeforeEach
    void start() {
        streams = RunningStreams.start(new MutableClock(Instant.parse("2030-01-02T03:04:05Z")), QUEUE);
    }

    @AfterEach
    void stop() throws InterruptedException {
        streams.close();
    }

    @Test
    void subscribeEndsASlowConsumerOnceItsQueueOverflowsWhileOthersReceiveEverything() throws Exception {
        final Subscriber stalled = Subscriber.stalled();
        streams.subscribe(BACKEND, TOPIC, stalled);
        final Subscriber reader = Subscriber.reading();
        streams.subscribe(BACKEND, TOPIC, reader);
        streams.bus().awaitSubscribed(2);

        // Every publish returns (within the stub's deadline) although one subscriber reads none.
        while (published.size() < QUEUE) {
            publishRoundReadBy(reader);
        }
        assertFalse(stalled.hasEnded(), "ended with a full, not an overflowing, queue");
        assertEquals(2, streams.bus().open());

        publish();

        assertError(RESOURCE_EXHAUSTED, "SLOW_CONSUMER", stalled.awaitError());
        assertEquals(List.of(), stalled.messages());
        assertEquals(1, streams.bus().open(), "subscriptions open after the slow one ended");
        publishRoundReadBy(reader);
        assertEquals(published, texts(reader.messages()));
        assertFalse(reader.hasEnded());
    }

    private void publishRoundReadBy(Subscriber reader) throws InterruptedException {
        for (int i = 0; i < ROUND; i++) {
            publish();
        }
        reader.awaitReceived(published.size());
    }

    private void publish() {
        final String text = "message " + published.size();
        streams.publish(BACKEND, TOPIC, text);
        published.add(text);
    }
}
