package dev.courier.chat;

import static dev.courier.chat.Outcome.assertError;
import static io.grpc.Status.Code.INTERNAL;
import static io.grpc.Status.Code.RESOURCE_EXHAUSTED;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Every RPC ends with an error of its own when the store fails or refuses work, never UNKNOWN. */
class StoreFailureTest {

    @TempDir
    Path dataDir;

    private RunningChat chat;
    private String chatId;

    @BeforeEach
    void start() {
        chat = RunningChat.start(dataDir, new MutableClock(Instant.parse("2030-01-02T03:04:05Z")));
        chatId = chat.newChat("ann", "bob");
    }

    @AfterEach
    void stop() throws InterruptedException {
        chat.close();
    }

    /** One call of an RPC, valid in every field; returns the error it ended with, or null. */
    @FunctionalInterface
    interface Call {
        Throwable make(RunningChat chat, String chatId) throws InterruptedException;
    }

    private static Throwable errorOf(Runnable call) {
        try {
            call.run();
            return null;
        } catch (StatusRuntimeException e) {
            return e;
        }
    }

    static Stream<Arguments> rpcs() {
        return Stream.of(
                Arguments.of("New", (Call) (chat, chatId) -> errorOf(() -> chat.newChat("ann", "cat"))),
                Arguments.of("Send", (Call) (chat, chatId) -> errorOf(() -> chat.send(chatId, "ann", "c1", "Hello"))),
                Arguments.of("History", (Call) (chat, chatId) -> errorOf(() -> chat.history(chatId))),
                Arguments.of("Connect", (Call) (chat, chatId) -> chat.connect(chatId, "ann").awaitEnd()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rpcs")
    void rpcAnswersAFailingDatabaseWithStorageError(String rpc, Call call) throws InterruptedException {
        chat.closeDatabase();

        final Throwable error = call.make(chat, chatId);

        assertError(INTERNAL, "chat.StorageError", error);
        // The cause goes to the server's log only; the pool's own message names Hikari.
        final String description = Status.fromThrowable(error).getDescription();
        assertFalse(description.contains("Hikari"), description);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rpcs")
    void rpcAnswersARefusingStoreExecutorWithBusy(String rpc, Call call) throws InterruptedException {
        chat.stopStoreExecutor();

        assertError(RESOURCE_EXHAUSTED, "chat.Busy", call.make(chat, chatId));
    }
}
