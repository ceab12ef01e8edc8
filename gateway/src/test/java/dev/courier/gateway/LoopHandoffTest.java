package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;

/** LoopHandoff: tasks from other threads run on the loop, in order, those queued together in one run. */
class LoopHandoffTest {

    private final EventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stopLoop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void tasksQueuedWhileARunIsPendingJoinIt() throws Exception {
        final LoopHandoff handoff = new LoopHandoff(loop);
        final List<String> ran = new CopyOnWriteArrayList<>();
        final CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> await(release));
        handoff.execute(() -> ran.add("first"));
        // A task of the loop's own, queued between the two: a handoff that made a loop task of
        // each would run it between them.
        loop.execute(() -> ran.add("loop"));
        handoff.execute(() -> ran.add("second"));
        release.countDown();
        loop.submit(() -> {}).get(5, TimeUnit.SECONDS);
        assertEquals(List.of("first", "second", "loop"), ran);
    }

    @Test
    void aTaskQueuedAfterARunStartsTheNext() throws Exception {
        final LoopHandoff handoff = new LoopHandoff(loop);
        final CountDownLatch done = new CountDownLatch(200);
        final List<Boolean> onLoop = new CopyOnWriteArrayList<>();
        final Thread producer = new Thread(() -> {
            for (int i = 0; i < 200; i++) {
                handoff.execute(() -> {
                    onLoop.add(loop.inEventLoop());
                    done.countDown();
                });
                if (i % 10 == 0) {
                    Thread.yield();
                }
            }
        });
        producer.start();
        assertTrue(done.await(5, TimeUnit.SECONDS), "every task ran");
        producer.join();
        assertEquals(200, onLoop.size());
        assertTrue(onLoop.stream().allMatch(Boolean::booleanValue), "every task ran on the loop");
    }

    @Test
    void onTheLoopATaskRunsAtOnce() throws Exception {
        final LoopHandoff handoff = new LoopHandoff(loop);
        final List<String> ran = new CopyOnWriteArrayList<>();
        loop.submit(() -> {
            handoff.execute(() -> ran.add("handed"));
            ran.add("after");
        }).get(5, TimeUnit.SECONDS);
        assertEquals(List.of("handed", "after"), ran);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
