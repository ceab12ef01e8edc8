package dev.courier.chat;

import static dev.courier.chat.Outcome.assertError;
import static dev.courier.chat.RunningChat.TIMEOUT;
import static dev.courier.chat.RunningChat.headers;
import static io.grpc.Status.Code.RESOURCE_EXHAUSTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.courier.proto.chat.Message;

/** Connect's bounded queue: a client that does not read is ended, and costs the others nothing. */
class ConnectSlowConsumerTest {

    private static final int QUEUE_SIZE = 8;

    @TempDir
    Path dataDir;

    private RunningChat chat;

    @BeforeEach
    void start() {
        chat = RunningChat.start(dataDir, new MutableClock(Instant.parse("2030-01-02T03:04:05Z")), QUEUE_SIZE);
    }

    @AfterEach
    void stop() throws InterruptedException {
        chat.close();
    }

    @Test
    void connectEndsAClientThatDoesNotReadWhileAReaderGetsEveryMessage() throws InterruptedException {
        final String chatId = chat.newChat("ann", "bob", "cat");
        final ChatClient reader = chat.connect(chatId, "bob");
        final ChatClient idle = chat.connect(headers(chatId, "cat"), false);
        chat.bus().awaitLive(2, TIMEOUT);

        final List<Message> delivered = new ArrayList<>();
        for (int i = 0; i < QUEUE_SIZE * 3; i++) {
            chat.send(chatId, "ann", "c" + i, "message " + i);
            // Taking each message before the next Send keeps the reader's queue near empty.
            delivered.add(reader.next());
        }

        assertError(RESOURCE_EXHAUSTED, "chat.Connect.SlowConsumer", idle.awaitEnd());
        assertEquals(chat.history(chatId), delivered);
        // The ended connection let go of its subscription; the reader keeps its own.
        chat.bus().awaitLive(1, TIMEOUT);
        assertFalse(reader.hasEnded());
        chat.send(chatId, "ann", "after", "after the idle client left");
        assertEquals("after", reader.next().getClientId());
    }
}
