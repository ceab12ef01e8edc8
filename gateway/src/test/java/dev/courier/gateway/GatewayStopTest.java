package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Closing a gateway waits for its server's stop, but not forever. */
class GatewayStopTest {

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
