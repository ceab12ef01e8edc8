package dev.courier.threads;

import static dev.courier.threads.Outcome.fails;
import static dev.courier.threads.Outcome.succeeds;
import static io.grpc.Status.Code.INVALID_ARGUMENT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
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
import com.google.protobuf.Timestamp;

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.ListMessagesRequest;
import dev.courier.proto.threads.ListMessagesResponse;
import dev.courier.proto.threads.Message;

/** ListMessages: validation, page size, newest-first order and paging with sent_before. */
class ListMessagesTest {

    /** More than the default page of 25, so the default shows. */
    private static final int SEEDED = 30;

    /** A conversation and its messages, oldest first, each sent a millisecond after the last. */
    private record Seeded(Conversation conversation, List<Message> oldestFirst) {

        /** Messages {@code from} (inclusive) down to {@code downTo} (inclusive), newest first. */
        List<Message> newestFirst(int from, int downTo) {
            final List<Message> messages = new ArrayList<>();
            for (int i = from; i >= downTo; i--) {
                messages.add(oldestFirst.get(i));
            }
            return messages;
        }

        Timestamp sentAt(int index) {
            return oldestFirst.get(index).getSentAt();
        }
    }

    @TempDir
    Path dataDir;

    private RunningThreads threads;
    private Seeded seeded;

    @BeforeEach
    void start() {
        final MutableClock clock = new MutableClock(Instant.parse("2030-01-02T03:04:05Z"));
        threads = RunningThreads.start(dataDir, clock);
        final Conversation conversation = threads.createConversation("team-1", "Launch");
        final List<Message> messages = new ArrayList<>();
        for (int i = 0; i < SEEDED; i++) {
            clock.advance(Duration.ofMillis(1));
            messages.add(threads.createMessage(conversation.getId(), "message " + i));
        }
        seeded = new Seeded(conversation, List.copyOf(messages));
    }

    @AfterEach
    void stop() throws InterruptedException {
        threads.close();
    }

    private static ListMessagesRequest.Builder list(Seeded seeded) {
        return ListMessagesRequest.newBuilder().setConversationId(seeded.conversation().getId());
    }

    private static Arguments row(String name, Function<Seeded, ListMessagesRequest.Builder> request,
                                 Outcome<Seeded, ListMessagesResponse> outcome) {
        return Arguments.of(name, request, outcome);
    }

    /** The response lists messages {@code from} down to {@code downTo} of the seeded ones. */
    private static Outcome<Seeded, ListMessagesResponse> lists(int from, int downTo) {
        return succeeds((seeded, response) -> assertEquals(seeded.newestFirst(from, downTo),
                                                           response.getMessagesList()));
    }

    private static Outcome<Seeded, ListMessagesResponse> listsNothing() {
        return succeeds((seeded, response) -> assertEquals(List.of(), response.getMessagesList()));
    }

    static Stream<Arguments> requests() {
        final int newest = SEEDED - 1;
        return Stream.of(
                row("missing conversation_id", s -> list(s).clearConversationId(),
                    fails(INVALID_ARGUMENT, "MISSING_CONVERSATION_ID")),
                row("conversation_id one byte over the limit",
                    s -> list(s).setConversationId(Strings.ofBytes(Limits.MAX_ID_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "CONVERSATION_ID_TOO_LONG")),
                row("negative limit", s -> list(s).setLimit(Int32Value.of(-1)),
                    fails(INVALID_ARGUMENT, "INVALID_LIMIT")),
                row("most negative limit", s -> list(s).setLimit(Int32Value.of(Integer.MIN_VALUE)),
                    fails(INVALID_ARGUMENT, "INVALID_LIMIT")),
                row("limit one over the maximum", s -> list(s).setLimit(Int32Value.of(Limits.MAX_PAGE + 1)),
                    fails(INVALID_ARGUMENT, "INVALID_LIMIT")),
                row("conversation_id exactly at the limit passes validation",
                    s -> list(s).setConversationId(Strings.ofBytes(Limits.MAX_ID_BYTES)), listsNothing()),
                row("unknown conversation", s -> list(s).setConversationId(UUID.randomUUID().toString()),
                    listsNothing()),
                row("limit exactly at the maximum", s -> list(s).setLimit(Int32Value.of(Limits.MAX_PAGE)),
                    lists(newest, 0)),
                row("no limit: the newest 25", ListMessagesTest::list, lists(newest, newest - 24)),
                row("limit 0: the newest 25", s -> list(s).setLimit(Int32Value.of(0)), lists(newest, newest - 24)),
                row("limit 7", s -> list(s).setLimit(Int32Value.of(7)), lists(newest, newest - 6)),
                row("sent_before a message's sent_at excludes that message",
                    s -> list(s).setSentBefore(s.sentAt(10)), lists(9, 0)),
                row("sent_before a nanosecond after a message's sent_at includes it",
                    s -> list(s).setSentBefore(s.sentAt(10).toBuilder().setNanos(s.sentAt(10).getNanos() + 1)),
                    lists(10, 0)),
                row("sent_before with a limit", s -> list(s).setSentBefore(s.sentAt(20)).setLimit(Int32Value.of(5)),
                    lists(19, 15)),
                row("sent_before the oldest message", s -> list(s).setSentBefore(s.sentAt(0)), listsNothing()),
                row("sent_before far in the future", s -> list(s).setSentBefore(Timestamp.newBuilder()
                                                                                        .setSeconds(253402300799L)),
                    lists(newest, newest - 24)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void listMessagesAnswersEachRequestAsTabled(String name, Function<Seeded, ListMessagesRequest.Builder> request,
                                                Outcome<Seeded, ListMessagesResponse> outcome) {
        outcome.verify(seeded, () -> threads.stub().listMessages(request.apply(seeded).build()));
    }

    @Test
    void listMessagesPagesBackThroughEveryMessageNewestFirst() {
        final String conversationId = seeded.conversation().getId();

        final List<Message> firstPage = threads.listMessages(conversationId, null, 12);
        final List<Message> secondPage =
                threads.listMessages(conversationId, firstPage.get(firstPage.size() - 1).getSentAt(), 12);
        final List<Message> lastPage =
                threads.listMessages(conversationId, secondPage.get(secondPage.size() - 1).getSentAt(), 12);
        final List<Message> afterLast =
                threads.listMessages(conversationId, lastPage.get(lastPage.size() - 1).getSentAt(), 12);

        assertEquals(seeded.newestFirst(29, 18), firstPage);
        assertEquals(seeded.newestFirst(17, 6), secondPage);
        assertEquals(seeded.newestFirst(5, 0), lastPage);
        assertEquals(List.of(), afterLast);
    }

    @Test
    void listMessagesShowsOnlyTheConversationsOwnMessages() {
        final Conversation other = threads.createConversation("team-1", "Retro");
        final Message elsewhere = threads.createMessage(other.getId(), "elsewhere");

        assertEquals(List.of(elsewhere), threads.listMessages(other.getId(), null, 1000));
        assertEquals(seeded.newestFirst(SEEDED - 1, 0),
                     threads.listMessages(seeded.conversation().getId(), null, 1000));
    }
}
