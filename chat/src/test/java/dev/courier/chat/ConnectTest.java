package dev.courier.chat;

import static io.grpc.Status.Code.INTERNAL;
import static dev.courier.chat.Outcome.assertError;
import static dev.courier.chat.RunningChat.TIMEOUT;
import static dev.courier.chat.RunningChat.headers;
import static io.grpc.Status.Code.INVALID_ARGUMENT;
import static io.grpc.Status.Code.NOT_FOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.courier.proto.chat.Message;

import io.grpc.Metadata;
import io.grpc.Status;

/** Connect: validation of the metadata and of what is sent on the stream, and live delivery. */
class ConnectTest {

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
        chatId = chat.newChat("ann", "bob", "cat", "dan");
    }

    @AfterEach
    void stop() throws InterruptedException {
        chat.close();
    }

    private static Message message(String clientId, String text) {
        return Message.newBuilder().setClientId(clientId).setText(text).build();
    }

    private static Arguments row(String name, Function<String, Metadata> headers, Message sent,
                                 Status.Code code, String reason) {
        return Arguments.of(name, headers, sent, code, reason);
    }

    private static Metadata only(Metadata.Key<String> key, String value) {
        final Metadata headers = new Metadata();
        headers.put(key, value);
        return headers;
    }

    static Stream<Arguments> streams() {
        return Stream.of(
                row("no metadata", chatId -> new Metadata(), null, INVALID_ARGUMENT, "chat.Connect.MissingChatID"),
                row("no chat-id", chatId -> only(Chat.USER_ID_HEADER, "ann"), null,
                    INVALID_ARGUMENT, "chat.Connect.MissingChatID"),
                row("empty chat-id", chatId -> headers("", "ann"), null,
                    INVALID_ARGUMENT, "chat.Connect.MissingChatID"),
                row("no user-id", chatId -> only(Chat.CHAT_ID_HEADER, chatId), null,
                    INVALID_ARGUMENT, "chat.Connect.MissingUserID"),
                row("empty user-id", chatId -> headers(chatId, ""), null,
                    INVALID_ARGUMENT, "chat.Connect.MissingUserID"),
                row("unknown chat", chatId -> headers("no-such-chat", "ann"), null,
                    NOT_FOUND, "chat.Connect.InvalidChatID"),
                row("a chat-id over the limit",
                    chatId -> headers(Strings.ofBytes(Limits.MAX_ID_BYTES + 1), "ann"), null,
                    INVALID_ARGUMENT, "chat.Connect.FieldTooLong"),
                row("a message without text", chatId -> headers(chatId, "ann"), message("c1", ""),
                    INVALID_ARGUMENT, "chat.Send.MissingText"),
                row("a message with a client_id over the limit", chatId -> headers(chatId, "ann"),
                    message(Strings.ofBytes(Limits.MAX_ID_BYTES + 1), "Hello"),
                    INVALID_ARGUMENT, "chat.Send.FieldTooLong"),
                row("a message with a subject over the limit", chatId -> headers(chatId, "ann"),
                    message("c1", "Hello").toBuilder()
                                          .setSubject(Strings.ofBytes(Limits.MAX_SUBJECT_BYTES + 1))
                                          .build(),
                    INVALID_ARGUMENT, "chat.Send.FieldTooLong"),
                row("a message with text over the limit", chatId -> headers(chatId, "ann"),
                    message("c1", Strings.ofBytes(Limits.MAX_TEXT_BYTES + 1)),
                    INVALID_ARGUMENT, "chat.Send.FieldTooLong"),
                row("a user-id over the limit, refused before any message",
                    chatId -> headers(chatId, Strings.ofBytes(Limits.MAX_ID_BYTES + 1)), null,
                    INVALID_ARGUMENT, "chat.Connect.FieldTooLong"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streams")
    void connectEndsEachInvalidStreamAsTabled(String name, Function<String, Metadata> headers, Message sent,
                                              Status.Code code, String reason) throws InterruptedException {
        final ChatClient client = chat.connect(headers.apply(chatId), true);
        if (sent != null) {
            client.send(sent);
        }

        assertError(code, reason, client.awaitEnd());
        assertEquals(List.of(), chat.history(chatId), "nothing is stored");
    }

    @Test
    void connectStoresWhatIsSentOnTheStreamAsSendDoes() throws InterruptedException {
        final ChatClient ann = chat.connect(chatId, "ann");
        final ChatClient bob = chat.connect(chatId, "bob");
        chat.bus().awaitLive(2, TIMEOUT);

        ann.send(message("c1", "Hello").toBuilder().setSubject("Plans").build());
        final Message received = bob.next();
        final Instant later = clock.advance(Duration.ofMinutes(1));
        ann.send(message("", "No client id"));
        final Message generated = bob.next();

        assertEquals(List.of(received, generated), chat.history(chatId));
        assertEquals(Message.newBuilder()
                            .setId(received.getId())
                            .setClientId("c1")
                            .setChatId(chatId)
                            .setUserId("ann")
                            .setSentAt(NOW.getEpochSecond())
                            .setSubject("Plans")
                            .setText("Hello")
                            .build(),
                     received);
        assertFalse(received.getId().isEmpty(), "the server assigns an id");
        assertFalse(generated.getClientId().isEmpty(), "the server generates a missing client_id");
        assertEquals(later.getEpochSecond(), generated.getSentAt());
        ann.complete();
        bob.complete();
        assertEquals(Status.Code.OK, ann.awaitStatus().getCode());
        assertEquals(Status.Code.OK, bob.awaitStatus().getCode());
    }

    @Test
    void connectStoresARepeatedClientIdOnceAndDeliversItOnce() throws InterruptedException {
        final ChatClient ann = chat.connect(chatId, "ann");
        final ChatClient bob = chat.connect(chatId, "bob");
        chat.bus().awaitLive(2, TIMEOUT);
        ann.send(message("c1", "Hello"));
        assertEquals("Hello", bob.next().getText());

        ann.send(message("c1", "Hello again"));
        chat.send(chatId, "ann", "c1", "And again");
        // The stream's messages are handled in order: once this one arrives, the retry was handled.
        ann.send(message("c2", "Done"));

        assertEquals("Done", bob.next().getText());
        chat.send(chatId, "cat", "c3", "Last");
        assertEquals("Last", bob.next().getText());
        assertEquals(List.of("Hello", "Done", "Last"), chat.history(chatId).stream().map(Message::getText).toList());
    }

    @Test
    void connectCompletesAStreamOnlyOnceWhatItsClientSentIsStored() throws InterruptedException {
        final ChatClient ann = chat.connect(chatId, "ann");
        final ChatClient bob = chat.connect(chatId, "bob");
        chat.bus().awaitLive(2, TIMEOUT);
        final int closedBefore = chat.calls().closed();

        try (RunningChat.StoreHold hold = chat.holdStore()) {
            ann.send(message("c1", "Hello"));
            ann.complete();
            chat.calls().awaitHalfClosesHandled(1, TIMEOUT);
            // "Hello" waits for a store thread: ending the stream now would report it stored too early.
            assertEquals(closedBefore, chat.calls().closed(), "a stream ended before its message was stored");
        }

        assertEquals(Status.Code.OK, ann.awaitStatus().getCode());
        assertEquals(List.of("Hello"), chat.history(chatId).stream().map(Message::getText).toList());
        assertEquals("Hello", bob.next().getText());
    }

    @Test
    void connectEndsACompletedStreamWithTheErrorOfItsLastMessage() throws InterruptedException {
        final ChatClient ann = chat.connect(chatId, "ann");
        chat.bus().awaitLive(1, TIMEOUT);

        try (RunningChat.StoreHold hold = chat.holdStore()) {
            ann.send(message("c1", "Hello"));
            ann.complete();
            chat.calls().awaitHalfClosesHandled(1, TIMEOUT);
            chat.closeDatabase();
        }

        assertError(INTERNAL, "chat.StorageError", ann.awaitEnd());
    }

    @Test
    void connectDeliversAUsersMessagesToTheirOtherConnections() throws InterruptedException {
        final ChatClient phone = chat.connect(chatId, "ann");
        final ChatClient laptop = chat.connect(chatId, "ann");
        chat.bus().awaitLive(2, TIMEOUT);

        phone.send(message("c1", "from the phone"));
        assertEquals("from the phone", laptop.next().getText());
        laptop.send(message("c2", "from the laptop"));
        // An echo of each one's own message would arrive before what the other sent next.
        assertEquals("from the laptop", phone.next().getText());
        chat.send(chatId, "bob", "c3", "Hi");
        assertEquals("Hi", laptop.next().getText());
        assertEquals("Hi", phone.next().getText());
    }

    @Test
    void connectDeliversEveryMessageToEveryOtherConnectionOnceInHistoryOrder() throws Exception {
        final List<String> connected = List.of("ann", "bob", "cat");
        final Map<String, ChatClient> clients = new LinkedHashMap<>();
        for (String user : connected) {
            clients.put(user, chat.connect(chatId, user));
        }
        chat.bus().awaitLive(connected.size(), TIMEOUT);

        final int perSender = 20;
        final List<Callable<Void>> senders = new ArrayList<>();
        for (String user : connected) {
            senders.add(() -> {
                for (int i = 0; i < perSender; i++) {
                    clients.get(user).send(message(user + "-stream-" + i, user + " streams " + i));
                }
                return null;
            });
        }
        // Send calls, from a user who is connected and from one who is not.
        for (String user : List.of("ann", "dan")) {
            senders.add(() -> {
                for (int i = 0; i < perSender; i++) {
                    chat.send(chatId, user, user + "-send-" + i, user + " sends " + i);
                }
                return null;
            });
        }
        Concurrently.run(senders);
        final int total = perSender * senders.size();

        // Each connection gets everything but what it sent on its own stream.
        final Map<String, List<Message>> received = new LinkedHashMap<>();
        for (String user : connected) {
            received.put(user, clients.get(user).next(total - perSender));
        }
        final List<Message> history = chat.history(chatId);
        assertEquals(total, history.size(), () -> "history: " + history);
        for (String user : connected) {
            final String ownStream = user + "-stream-";
            assertEquals(history.stream().filter(message -> !message.getClientId().startsWith(ownStream)).toList(),
                         received.get(user), () -> "what " + user + " received");
            assertEquals(IntStream.range(0, perSender).mapToObj(i -> ownStream + i).toList(),
                         history.stream().map(Message::getClientId).filter(id -> id.startsWith(ownStream)).toList(),
                         () -> "the order " + user + " sent in");
        }
        // A last message arrives next everywhere: nothing came twice, and no echo is on its way.
        chat.send(chatId, "dan", "last", "last");
        for (String user : connected) {
            assertEquals("last", clients.get(user).next().getClientId(), user);
        }
        for (ChatClient client : clients.values()) {
            client.complete();
            assertEquals(Status.Code.OK, client.awaitStatus().getCode());
        }
    }
}
