package dev.courier.streams.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class InProcessBusTest {

    @Test
    void everySubscriberSeesConcurrentPublishesInOneOrder() throws Exception {
        final InProcessBus bus = new InProcessBus();
        final List<List<Integer>> received = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            final List<Integer> mine = new ArrayList<>();
            received.add(mine);
            bus.subscribe("chat.a", payload -> mine.add(ByteBuffer.wrap(payload).getInt()));
        }
        final ExecutorService publishers = Executors.newFixedThreadPool(4);
        final CountDownLatch start = new CountDownLatch(1);
        for (int p = 0; p < 4; p++) {
            final int base = p * 1000;
            publishers.execute(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 1000; i++) {
                    bus.publish("chat.a", ByteBuffer.allocate(4).putInt(base + i).array());
                }
            });
        }
        start.countDown();
        publishers.shutdown();
        assertTrue(publishers.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(4000, received.get(0).size());
        for (List<Integer> other : received) {
            assertEquals(received.get(0), other);
        }
    }

    @Test
    void payloadsReachOnlyTheirSubjectAndStopAfterClose() {
        final InProcessBus bus = new InProcessBus();
        final List<byte[]> a = new ArrayList<>();
        final List<byte[]> b = new ArrayList<>();
        final Bus.Subscription subscription = bus.subscribe("a", a::add);
        bus.subscribe("b", b::add);
        final byte[] payload = {1, 2, 3};
        bus.publish("a", payload);
        assertSame(payload, a.get(0));
        assertEquals(0, b.size());

        subscription.close();
        subscription.close();
        bus.publish("a", payload);
        assertEquals(1, a.size());
        assertEquals(1, bus.subjects(), "a subject without subscribers is forgotten");
    }
}
