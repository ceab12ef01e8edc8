package dev.courier.chat;

import static dev.courier.chat.RunningChat.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.grpc.Status;

/** Connect streams that end, however they end, leave no subscription on the bus. */
class ConnectCleanupTest {

    /** Streams per way of ending. */
    private static final int STREAMS = 5000;

    @TempDir
    Path dataDir;

    private RunningChat chat;

    @BeforeEach
    void start() {
        chat = RunningChat.start(dataDir, new MutableClock(Instant.parse("2030-01-02T03:04:05Z")));
    }

    @AfterEach
    void stop() throws InterruptedException {
        chat.close();
    }

    @Test
    void connectStreamsThatEndReleaseTheirSubscriptions() throws InterruptedException {
        final String chatId = chat.newChat("ann", "bob");
        final CountingBus bus = chat.bus();

        // Streams that end once subscribed: every other one cancelled, the rest completed by the client.
        for (int i = 0; i < STREAMS; i++) {
            final ChatClient client = chat.connect(chatId, "ann");
            bus.awaitOpened(i + 1, TIMEOUT);
            if (i % 2 == 0) {
                client.cancel();
            } else {
                client.complete();
                assertEquals(Status.Code.OK, client.awaitStatus().getCode());
            }
        }
        // Streams cancelled at once, racing the server's subscribe.
        for (int i = 0; i < STREAMS; i++) {
            chat.connect(chatId, "bob").cancel();
        }
        chat.awaitStoreIdle();

        bus.awaitLive(0, TIMEOUT);
        assertTrue(bus.opened() >= STREAMS, () -> "opened: " + bus.opened());
        // The chat still delivers to a new connection.
        final ChatClient last = chat.connect(chatId, "ann");
        bus.awaitLive(1, TIMEOUT);
        chat.send(chatId, "bob", "c1", "Hello");
        assertEquals("Hello", last.next().getText());
    }
}
