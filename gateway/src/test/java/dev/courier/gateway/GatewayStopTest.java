package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Closing a gateway waits for its server's stop, but not forever, and not for nothing. */
class GatewayStopTest {

    @Test
    @Timeout(30)
    void anIdleGatewayStopsWithoutWaitingOutNettysQuietPeriod(@TempDir Path dataDir) throws Exception {
        final RunningGateway running = RunningGateway.start(dataDir);
        final int port = running.gateway.port();
        assertEquals(200, running.post("/threads/Threads/CreateConversation",
                                       "{\"group_id\":\"g\",\"topic\":\"t\"}").statusCode());
        final long start = System.nanoTime();
        running.close();
        final Duration took = Duration.ofNanos(System.nanoTime() - start);
        // Netty's accepting loops alone used to wait two seconds on every stop; with nothing in
        // flight the stop takes the graceful quiet period (200 ms) and the store's close.
        assertTrue(took.compareTo(Duration.ofMillis(1800)) < 0, "the stop took " + took.toMillis() + " ms");
        // And the port is free again.
        try (ServerSocket reuse = new ServerSocket(port)) {
            assertTrue(reuse.isBound());
        }
    }

    @Test
    @Timeout(10)
    void aStopThatNeverEndsIsGivenUpAfterTheLimit() {
        final long start = System.nanoTime();
        assertFalse(Gateway.awaitStop(new CompletableFuture<Void>(), Duration.ofMillis(300)));
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(300).toNanos());
    }

    @Test
    void aStopThatEndsCountsAsEndedWhetherItFailedOrNot() {
        assertTrue(Gateway.awaitStop(CompletableFuture.completedFuture(null), Duration.ofMillis(300)));
        assertTrue(Gateway.awaitStop(CompletableFuture.failedFuture(new IllegalStateException("stop failed")),
                                     Duration.ofMillis(300)));
    }
}
