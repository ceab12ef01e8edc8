package dev.courier.chat;

import static dev.courier.chat.Outcome.fails;
import static dev.courier.chat.Outcome.succeeds;
import static io.grpc.Status.Code.INVALID_ARGUMENT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
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
import dev.courier.proto.chat.NewRequest;
import dev.courier.proto.chat.NewResponse;

/** New: validation, and chat ids that depend on the set of users only. */
class NewTest {

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

    private static Arguments row(String name, List<String> userIds, Outcome<RunningChat, NewResponse> outcome) {
        return Arguments.of(name, userIds, outcome);
    }

    /** The chat exists: History of the returned id answers, with no messages yet. */
    private static Outcome<RunningChat, NewResponse> createsChat() {
        return succeeds((chat, response) -> {
            assertFalse(response.getChatId().isEmpty(), "empty chat_id");
            assertEquals(List.of(), chat.history(response.getChatId()));
        });
    }

    private static List<String> users(int count) {
        return IntStream.range(0, count).mapToObj(i -> "user-" + i).toList();
    }

    static Stream<Arguments> requests() {
        final List<String> thousandWithADuplicate = new ArrayList<>(users(Limits.MAX_USERS));
        thousandWithADuplicate.add("user-0");
        return Stream.of(
                row("no user ids", List.of(), fails(INVALID_ARGUMENT, "chat.New.MissingUserIDs")),
                row("only empty user ids", List.of("", ""), fails(INVALID_ARGUMENT, "chat.New.MissingUserIDs")),
                row("user id one byte over the limit", List.of("ann", Strings.ofBytes(Limits.MAX_ID_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "chat.New.UserIDTooLong")),
                row("user id over the limit in UTF-8 bytes, not in chars",
                    List.of(Strings.ofTwoByteChars(Limits.MAX_ID_BYTES / 2 + 1)),
                    fails(INVALID_ARGUMENT, "chat.New.UserIDTooLong")),
                row("one user more than the limit", users(Limits.MAX_USERS + 1),
                    fails(INVALID_ARGUMENT, "chat.New.TooManyUserIDs")),
                row("one user", List.of("ann"), createsChat()),
                row("empty ids among others are ignored", List.of("", "ann", ""), createsChat()),
                row("user id exactly at the limit", List.of(Strings.ofBytes(Limits.MAX_ID_BYTES)), createsChat()),
                row("as many users as the limit", users(Limits.MAX_USERS), createsChat()),
                row("a duplicate does not count against the limit", thousandWithADuplicate, createsChat()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void newAnswersEachRequestAsTabled(String name, List<String> userIds, Outcome<RunningChat, NewResponse> outcome) {
        outcome.verify(chat, () -> chat.stub().new_(NewRequest.newBuilder().addAllUserIds(userIds).build()));
    }

    static Stream<Arguments> sameUsers() {
        return Stream.of(
                Arguments.of("another order", new String[] { "cat", "ann", "bob" }),
                Arguments.of("duplicates", new String[] { "ann", "bob", "bob", "cat", "ann" }),
                Arguments.of("empty ids", new String[] { "", "bob", "cat", "", "ann" }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sameUsers")
    void newGivesTheSameUsersTheSameChat(String name, String[] userIds) {
        final String chatId = chat.newChat("ann", "bob", "cat");

        assertEquals(chatId, chat.newChat(userIds));
    }

    @Test
    void newGivesDifferentSetsOfUsersDifferentChats() {
        final List<String[]> sets = List.of(new String[] { "ann" },
                                            new String[] { "bob" },
                                            new String[] { "ann", "bob" },
                                            new String[] { "ann", "bob", "cat" },
                                            // Sets whose ids concatenate alike must not share a chat.
                                            new String[] { "ab", "c" },
                                            new String[] { "a", "bc" },
                                            new String[] { "abc" },
                                            new String[] { "a\nb" },
                                            new String[] { "a", "b" });
        final Set<String> chatIds = new HashSet<>();
        for (String[] users : sets) {
            chatIds.add(chat.newChat(users));
        }

        assertEquals(sets.size(), chatIds.size(), () -> "chat ids: " + chatIds);
    }

    @Test
    void newOfAnExistingChatKeepsItsMessages() {
        final String chatId = chat.newChat("ann", "bob");
        chat.send(chatId, "ann", "c1", "Hello");
        final List<Message> history = chat.history(chatId);

        assertEquals(chatId, chat.newChat("bob", "ann"));
        assertEquals(history, chat.history(chatId));
        assertEquals(1, history.size());
    }

    @Test
    void newIsIdempotentUnderConcurrentCalls() throws Exception {
        final List<Callable<String>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            // Each call lists the users in an order of its own.
            final List<String> users = new ArrayList<>(List.of("ann", "bob", "cat", "dan"));
            Collections.rotate(users, i);
            calls.add(() -> chat.newChat(users.toArray(String[]::new)));
        }

        final List<String> chatIds = Concurrently.run(calls);

        assertEquals(1, Set.copyOf(chatIds).size(), () -> "chat ids: " + chatIds);
        final String chatId = chatIds.get(0);
        chat.send(chatId, "ann", "c1", "Hello");
        assertEquals(List.of("Hello"), chat.history(chatId).stream().map(Message::getText).toList());
    }
}
