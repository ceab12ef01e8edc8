package dev.courier.chat;

import static dev.courier.chat.Outcome.fails;
import static dev.courier.chat.Outcome.succeeds;
import static io.grpc.Status.Code.INVALID_ARGUMENT;
import static io.grpc.Status.Code.NOT_FOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.protobuf.Int32Value;

import dev.courier.proto.chat.HistoryRequest;
import dev.courier.proto.chat.HistoryResponse;
import dev.courier.proto.chat.Message;

/** History: validation, NOT_FOUND for unknown chats and cursors, and the pages it returns. */
class HistoryTest {

    /** Messages seeded into the chat under test, "m0" (oldest) to "m4" (newest). */
    private static final int SEEDED = 5;

    @TempDir
    Path dataDir;

    private RunningChat chat;
    private Given given;

    /**
     * What the table's calls see: the seeded chat, its messages oldest first, and a message of
     * another chat.
     */
    private record Given(String chatId, List<Message> messages, Message otherChatMessage) {

        String id(int index) {
            return messages.get(index).getId();
        }

        List<Message> window(int from, int to) {
            return messages.subList(from, to);
        }
    }

    @BeforeEach
    void start() {
        final MutableClock clock = new MutableClock(Instant.parse("2030-01-02T03:04:05Z"));
        chat = RunningChat.start(dataDir, clock);
        final String chatId = chat.newChat("ann", "bob");
        for (int i = 0; i < SEEDED; i++) {
            chat.send(chatId, i % 2 == 0 ? "ann" : "bob", "c" + i, "m" + i);
            clock.advance(Duration.ofSeconds(1));
        }
        final String otherChatId = chat.newChat("ann", "cat");
        chat.send(otherChatId, "ann", "c0", "elsewhere");
        given = new Given(chatId, chat.history(chatId), chat.history(otherChatId).get(0));
        assertEquals(List.of("m0", "m1", "m2", "m3", "m4"), given.messages().stream().map(Message::getText).toList());
    }

    @AfterEach
    void stop() throws InterruptedException {
        chat.close();
    }

    private static HistoryRequest.Builder history(Given given) {
        return HistoryRequest.newBuilder().setChatId(given.chatId());
    }

    private static Arguments row(String name, Function<Given, HistoryRequest.Builder> request,
                                 Outcome<Given, HistoryResponse> outcome) {
        return Arguments.of(name, request, outcome);
    }

    /** The call returns the seeded messages [from, to), oldest first. */
    private static Outcome<Given, HistoryResponse> returns(int from, int to) {
        return succeeds((given, response) -> assertEquals(given.window(from, to), response.getMessagesList()));
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                row("missing chat_id", g -> history(g).clearChatId(),
                    fails(INVALID_ARGUMENT, "chat.History.MissingChatID")),
                row("unknown chat", g -> history(g).setChatId("no-such-chat"),
                    fails(NOT_FOUND, "chat.History.InvalidChatID")),
                row("unknown before_id", g -> history(g).setBeforeId("no-such-message"),
                    fails(NOT_FOUND, "chat.History.InvalidChatID")),
                row("unknown after_id", g -> history(g).setAfterId("no-such-message"),
                    fails(NOT_FOUND, "chat.History.InvalidChatID")),
                row("before_id of another chat's message",
                    g -> history(g).setBeforeId(g.otherChatMessage().getId()),
                    fails(NOT_FOUND, "chat.History.InvalidChatID")),
                row("before_id is a message id, not a client_id", g -> history(g).setBeforeId("c3"),
                    fails(NOT_FOUND, "chat.History.InvalidChatID")),
                row("negative limit", g -> history(g).setLimit(Int32Value.of(-1)),
                    fails(INVALID_ARGUMENT, "chat.History.InvalidPage")),
                row("limit one over the cap", g -> history(g).setLimit(Int32Value.of(Limits.MAX_PAGE + 1)),
                    fails(INVALID_ARGUMENT, "chat.History.InvalidPage")),
                row("both before_id and after_id", g -> history(g).setBeforeId(g.id(3)).setAfterId(g.id(1)),
                    fails(INVALID_ARGUMENT, "chat.History.InvalidPage")),
                row("no limit: everything", HistoryTest::history, returns(0, SEEDED)),
                row("limit 0: everything", g -> history(g).setLimit(Int32Value.of(0)), returns(0, SEEDED)),
                row("limit exactly at the cap", g -> history(g).setLimit(Int32Value.of(Limits.MAX_PAGE)),
                    returns(0, SEEDED)),
                row("limit: the newest page", g -> history(g).setLimit(Int32Value.of(2)), returns(3, 5)),
                row("limit larger than the chat", g -> history(g).setLimit(Int32Value.of(SEEDED + 1)),
                    returns(0, SEEDED)),
                row("before_id: the page just before", g -> history(g).setBeforeId(g.id(3)).setLimit(Int32Value.of(2)),
                    returns(1, 3)),
                row("before_id near the start: a short page",
                    g -> history(g).setBeforeId(g.id(1)).setLimit(Int32Value.of(2)), returns(0, 1)),
                row("before_id of the oldest: empty", g -> history(g).setBeforeId(g.id(0)), returns(0, 0)),
                row("before_id without limit: everything before", g -> history(g).setBeforeId(g.id(4)),
                    returns(0, 4)),
                row("after_id: the page just after", g -> history(g).setAfterId(g.id(1)).setLimit(Int32Value.of(2)),
                    returns(2, 4)),
                row("after_id near the end: a short page",
                    g -> history(g).setAfterId(g.id(3)).setLimit(Int32Value.of(2)), returns(4, 5)),
                row("after_id of the newest: empty", g -> history(g).setAfterId(g.id(4)), returns(5, 5)),
                row("after_id without limit: everything after", g -> history(g).setAfterId(g.id(0)),
                    returns(1, 5)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void historyAnswersEachRequestAsTabled(String name, Function<Given, HistoryRequest.Builder> request,
                                           Outcome<Given, HistoryResponse> outcome) {
        outcome.verify(given, () -> chat.stub().history(request.apply(given).build()));
    }

    @Test
    void historyOfANewChatIsEmpty() {
        assertEquals(List.of(), chat.history(chat.newChat("dan")));
    }

    @Test
    void historyPagedBackwardsByBeforeIdVisitsEveryMessageOnce() {
        final List<Message> seen = new ArrayList<>();
        List<Message> page = page(history(given).setLimit(Int32Value.of(2)));
        while (!page.isEmpty()) {
            seen.addAll(0, page);
            page = page(history(given).setLimit(Int32Value.of(2)).setBeforeId(page.get(0).getId()));
        }

        assertEquals(given.messages(), seen);
    }

    @Test
    void historyPagedForwardsByAfterIdVisitsEveryMessageOnce() {
        final List<Message> seen = new ArrayList<>(page(history(given).setLimit(Int32Value.of(1))
                                                                     .setBeforeId(given.id(1))));
        List<Message> page = page(history(given).setLimit(Int32Value.of(2)).setAfterId(seen.get(0).getId()));
        while (!page.isEmpty()) {
            seen.addAll(page);
            page = page(history(given).setLimit(Int32Value.of(2)).setAfterId(page.get(page.size() - 1).getId()));
        }

        assertEquals(given.messages(), seen);
    }

    private List<Message> page(HistoryRequest.Builder request) {
        return chat.stub().history(request.build()).getMessagesList();
    }
}
