package dev.courier.chat;

import static dev.courier.chat.Outcome.fails;
import static dev.courier.chat.Outcome.succeeds;
import static io.grpc.Status.Code.INVALID_ARGUMENT;
import static io.grpc.Status.Code.NOT_FOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.courier.proto.chat.Message;
import dev.courier.proto.chat.SendRequest;
import dev.courier.proto.chat.SendResponse;

/** Send: validation, NOT_FOUND, what is stored, and client_id retries. */
class SendTest {

    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05Z");

    @TempDir
    Path dataDir;

    private MutableClock clock;
    private RunningChat chat;
    private String chatId;

    @BeforeEach
    void start() {
        clock = new MutableClock(NOW);
        chat = RunningChat.start(dataDir, clock);
        chatId = chat.newChat("ann", "bob");
    }

    @AfterEach
    void stop() throws InterruptedException {
        chat.close();
    }

    /** What the table's calls see: the running service and the chat made for the test. */
    private record Given(RunningChat chat, String chatId) {}

    private static SendRequest.Builder send(Given given) {
        return SendRequest.newBuilder().setChatId(given.chatId()).setUserId("ann").setText("Hello");
    }

    private static Arguments row(String name, Function<Given, SendRequest.Builder> request,
                                 Outcome<Given, SendResponse> outcome) {
        return Arguments.of(name, request, outcome);
    }

    /** The call succeeds and History holds exactly the message with these fields. */
    private static Outcome<Given, SendResponse> stores(String userId, String clientId, String subject, String text) {
        return succeeds((given, response) -> {
            final List<Message> history = given.chat().history(given.chatId());
            assertEquals(1, history.size(), () -> "history: " + history);
            final Message stored = history.get(0);
            assertEquals(Message.newBuilder()
                                .setId(stored.getId())
                                .setClientId(clientId)
                                .setChatId(given.chatId())
                                .setUserId(userId)
                                .setSentAt(NOW.getEpochSecond())
                                .setSubject(subject)
                                .setText(text)
                                .build(),
                         stored);
        });
    }

    static Stream<Arguments> requests() {
        final String longestId = Strings.ofBytes(Limits.MAX_ID_BYTES);
        final String tooLongId = Strings.ofBytes(Limits.MAX_ID_BYTES + 1);
        return Stream.of(
                row("missing chat_id", g -> send(g).clearChatId(), fails(INVALID_ARGUMENT, "chat.Send.MissingChatID")),
                row("missing user_id", g -> send(g).clearUserId(), fails(INVALID_ARGUMENT, "chat.Send.MissingUserID")),
                row("missing text", g -> send(g).clearText(), fails(INVALID_ARGUMENT, "chat.Send.MissingText")),
                row("unknown chat", g -> send(g).setChatId("no-such-chat"),
                    fails(NOT_FOUND, "chat.Send.InvalidChatID")),
                row("chat_id exactly at the limit passes validation", g -> send(g).setChatId(longestId),
                    fails(NOT_FOUND, "chat.Send.InvalidChatID")),
                row("chat_id one byte over the limit", g -> send(g).setChatId(tooLongId),
                    fails(INVALID_ARGUMENT, "chat.Send.FieldTooLong")),
                row("user_id one byte over the limit", g -> send(g).setUserId(tooLongId),
                    fails(INVALID_ARGUMENT, "chat.Send.FieldTooLong")),
                row("user_id over the limit in UTF-8 bytes, not in chars",
                    g -> send(g).setUserId(Strings.ofTwoByteChars(Limits.MAX_ID_BYTES / 2 + 1)),
                    fails(INVALID_ARGUMENT, "chat.Send.FieldTooLong")),
                row("client_id one byte over the limit", g -> send(g).setClientId(tooLongId),
                    fails(INVALID_ARGUMENT, "chat.Send.FieldTooLong")),
                row("subject one byte over the limit",
                    g -> send(g).setSubject(Strings.ofBytes(Limits.MAX_SUBJECT_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "chat.Send.FieldTooLong")),
                row("text one byte over the limit", g -> send(g).setText(Strings.ofBytes(Limits.MAX_TEXT_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "chat.Send.FieldTooLong")),
                row("all fields", g -> send(g).setClientId("c1").setSubject("Plans"),
                    stores("ann", "c1", "Plans", "Hello")),
                row("user_id exactly at the limit", g -> send(g).setClientId("c1").setUserId(longestId),
                    stores(longestId, "c1", "", "Hello")),
                row("client_id exactly at the limit", g -> send(g).setClientId(longestId),
                    stores("ann", longestId, "", "Hello")),
                row("subject exactly at the limit",
                    g -> send(g).setClientId("c1").setSubject(Strings.ofBytes(Limits.MAX_SUBJECT_BYTES)),
                    stores("ann", "c1", Strings.ofBytes(Limits.MAX_SUBJECT_BYTES), "Hello")),
                row("text exactly at the limit, in two-byte chars",
                    g -> send(g).setClientId("c1").setText(Strings.ofTwoByteChars(Limits.MAX_TEXT_BYTES / 2)),
                    stores("ann", "c1", "", Strings.ofTwoByteChars(Limits.MAX_TEXT_BYTES / 2))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void sendAnswersEachRequestAsTabled(String name, Function<Given, SendRequest.Builder> request,
                                        Outcome<Given, SendResponse> outcome) {
        final Given given = new Given(chat, chatId);
        outcome.verify(given, () -> chat.stub().send(request.apply(given).build()));
    }

    @Test
    void sendStoresMessagesWithServerIdsAndClockTimesOldestFirst() {
        chat.send(chatId, "ann", "c1", "first");
        final Instant later = clock.advance(Duration.ofMinutes(5));
        chat.send(chatId, "bob", "c2", "second");
        chat.send(chatId, "ann", "c3", "third");

        final List<Message> history = chat.history(chatId);

        assertEquals(List.of("first", "second", "third"), history.stream().map(Message::getText).toList());
        assertEquals(List.of("ann", "bob", "ann"), history.stream().map(Message::getUserId).toList());
        assertEquals(List.of(NOW.getEpochSecond(), later.getEpochSecond(), later.getEpochSecond()),
                     history.stream().map(Message::getSentAt).toList());
        assertEquals(3, history.stream().map(Message::getId).filter(id -> !id.isEmpty()).distinct().count(),
                     () -> "ids: " + history);
        for (Message message : history) {
            assertNotEquals(message.getClientId(), message.getId(), "the server assigns ids, not the client");
        }
    }

    @Test
    void sendRepeatedWithItsClientIdStoresTheFirstMessageOnce() {
        chat.send(chatId, "ann", "c1", "first");
        final List<Message> afterFirst = chat.history(chatId);
        clock.advance(Duration.ofMinutes(1));

        chat.send(chatId, "bob", "c1", "something else");

        assertEquals(afterFirst, chat.history(chatId));
        assertEquals(1, afterFirst.size());
    }

    @Test
    void sendScopesClientIdsToTheirChat() {
        final String otherChatId = chat.newChat("ann", "cat");

        chat.send(chatId, "ann", "c1", "here");
        chat.send(otherChatId, "ann", "c1", "there");

        assertEquals(List.of("here"), chat.history(chatId).stream().map(Message::getText).toList());
        assertEquals(List.of("there"), chat.history(otherChatId).stream().map(Message::getText).toList());
    }

    @Test
    void sendStoresOneMessageForConcurrentRetriesOfOneClientId() throws Exception {
        final List<Callable<Void>> retries = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            final String text = "attempt " + i;
            retries.add(() -> {
                chat.send(chatId, "ann", "c1", text);
                return null;
            });
        }

        Concurrently.run(retries);

        final List<Message> history = chat.history(chatId);
        assertEquals(1, history.size(), () -> "history: " + history);
        assertEquals("c1", history.get(0).getClientId());
        assertTrue(history.get(0).getText().startsWith("attempt "), history.get(0).getText());
    }

    @Test
    void sendWithoutClientIdGeneratesOneForEachCall() {
        chat.send(chatId, "ann", "", "Hello");
        chat.send(chatId, "ann", "", "Hello");

        final List<Message> history = chat.history(chatId);

        assertEquals(2, history.size(), () -> "history: " + history);
        assertFalse(history.get(0).getClientId().isEmpty());
        assertFalse(history.get(1).getClientId().isEmpty());
        assertNotEquals(history.get(0).getClientId(), history.get(1).getClientId());
    }
}
