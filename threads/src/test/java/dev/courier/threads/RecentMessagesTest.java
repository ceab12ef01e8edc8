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

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.Message;
import dev.courier.proto.threads.RecentMessagesRequest;
import dev.courier.proto.threads.RecentMessagesResponse;

/** RecentMessages: validation, and the newest messages of each conversation in request order. */
class RecentMessagesTest {

    /** Two conversations, written interleaved, with their messages oldest first. */
    private record Seeded(Conversation busy, List<Message> busyOldestFirst,
                          Conversation quiet, List<Message> quietOldestFirst) {

        /** The newest {@code count} messages of the busy conversation, newest first. */
        List<Message> newestOfBusy(int count) {
            return newest(busyOldestFirst, count);
        }

        /** The newest {@code count} messages of the quiet conversation, newest first. */
        List<Message> newestOfQuiet(int count) {
            return newest(quietOldestFirst, count);
        }

        private static List<Message> newest(List<Message> oldestFirst, int count) {
            final List<Message> messages = new ArrayList<>();
            for (int i = oldestFirst.size() - 1; i >= 0 && messages.size() < count; i--) {
                messages.add(oldestFirst.get(i));
            }
            return messages;
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
        final Conversation busy = threads.createConversation("team-1", "Busy");
        final Conversation quiet = threads.createConversation("team-1", "Quiet");
        final List<Message> busyMessages = new ArrayList<>();
        final List<Message> quietMessages = new ArrayList<>();
        // 30 busy messages, more than the default of 25, with 3 quiet ones interleaved.
        for (int i = 0; i < 30; i++) {
            clock.advance(Duration.ofMillis(1));
            busyMessages.add(threads.createMessage(busy.getId(), "busy " + i));
            if (i % 10 == 5) {
                quietMessages.add(threads.createMessage(quiet.getId(), "quiet " + i));
            }
        }
        seeded = new Seeded(busy, List.copyOf(busyMessages), quiet, List.copyOf(quietMessages));
    }

    @AfterEach
    void stop() throws InterruptedException {
        threads.close();
    }

    private static RecentMessagesRequest.Builder recent(String... conversationIds) {
        return RecentMessagesRequest.newBuilder().addAllConversationIds(List.of(conversationIds));
    }

    private static RecentMessagesRequest.Builder recentWithUnknown(String conversationId, int unknownIds) {
        final RecentMessagesRequest.Builder request = recent(conversationId);
        for (int i = 0; i < unknownIds; i++) {
            request.addConversationIds(UUID.randomUUID().toString());
        }
        return request;
    }

    private static Arguments row(String name, Function<Seeded, RecentMessagesRequest.Builder> request,
                                 Outcome<Seeded, RecentMessagesResponse> outcome) {
        return Arguments.of(name, request, outcome);
    }

    private static Outcome<Seeded, RecentMessagesResponse> returns(Function<Seeded, List<Message>> expected) {
        return succeeds((seeded, response) -> assertEquals(expected.apply(seeded), response.getMessagesList()));
    }

    private static List<Message> concat(List<Message> first, List<Message> second) {
        final List<Message> messages = new ArrayList<>(first);
        messages.addAll(second);
        return messages;
    }

    static Stream<Arguments> requests() {
        final String longestId = Strings.ofBytes(Limits.MAX_ID_BYTES);
        return Stream.of(
                row("missing conversation_ids", s -> recent(), fails(INVALID_ARGUMENT, "MISSING_CONVERSATION_IDS")),
                row("one conversation_id over the maximum count",
                    s -> recentWithUnknown(s.busy().getId(), Limits.MAX_CONVERSATION_IDS),
                    fails(INVALID_ARGUMENT, "TOO_MANY_CONVERSATION_IDS")),
                row("an empty conversation_id among valid ones", s -> recent(s.busy().getId(), ""),
                    fails(INVALID_ARGUMENT, "MISSING_CONVERSATION_ID")),
                row("a conversation_id one byte over the limit",
                    s -> recent(s.busy().getId(), Strings.ofBytes(Limits.MAX_ID_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "CONVERSATION_ID_TOO_LONG")),
                row("negative limit_per_conversation",
                    s -> recent(s.busy().getId()).setLimitPerConversation(Int32Value.of(-1)),
                    fails(INVALID_ARGUMENT, "INVALID_LIMIT")),
                row("limit_per_conversation one over the maximum",
                    s -> recent(s.busy().getId()).setLimitPerConversation(Int32Value.of(Limits.MAX_PAGE + 1)),
                    fails(INVALID_ARGUMENT, "INVALID_LIMIT")),
                row("exactly the maximum count of conversation_ids",
                    s -> recentWithUnknown(s.busy().getId(), Limits.MAX_CONVERSATION_IDS - 1),
                    returns(s -> s.newestOfBusy(25))),
                row("conversation_id exactly at the limit passes validation", s -> recent(longestId),
                    returns(s -> List.of())),
                row("limit_per_conversation exactly at the maximum",
                    s -> recent(s.busy().getId(), s.quiet().getId())
                            .setLimitPerConversation(Int32Value.of(Limits.MAX_PAGE)),
                    returns(s -> concat(s.newestOfBusy(30), s.newestOfQuiet(3)))),
                row("no limit_per_conversation: the newest 25 of each",
                    s -> recent(s.busy().getId(), s.quiet().getId()),
                    returns(s -> concat(s.newestOfBusy(25), s.newestOfQuiet(3)))),
                row("limit_per_conversation 0: the newest 25 of each",
                    s -> recent(s.busy().getId(), s.quiet().getId()).setLimitPerConversation(Int32Value.of(0)),
                    returns(s -> concat(s.newestOfBusy(25), s.newestOfQuiet(3)))),
                row("limit_per_conversation 2, in request order",
                    s -> recent(s.quiet().getId(), s.busy().getId()).setLimitPerConversation(Int32Value.of(2)),
                    returns(s -> concat(s.newestOfQuiet(2), s.newestOfBusy(2)))),
                row("unknown conversations contribute nothing",
                    s -> recent(UUID.randomUUID().toString(), s.quiet().getId(), UUID.randomUUID().toString()),
                    returns(s -> s.newestOfQuiet(3))),
                row("only unknown conversations", s -> recent(UUID.randomUUID().toString()),
                    returns(s -> List.of())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void recentMessagesAnswersEachRequestAsTabled(String name, Function<Seeded, RecentMessagesRequest.Builder> request,
                                                  Outcome<Seeded, RecentMessagesResponse> outcome) {
        outcome.verify(seeded, () -> threads.stub().recentMessages(request.apply(seeded).build()));
    }

    @Test
    void recentMessagesFollowsTheRequestOrderNotTheOrderOfActivity() {
        final Conversation idle = threads.createConversation("team-2", "Idle");
        final Message only = threads.createMessage(idle.getId(), "only");

        final List<Message> recent = threads.stub()
                                            .recentMessages(recent(idle.getId(), seeded.quiet().getId(),
                                                                   seeded.busy().getId())
                                                                    .setLimitPerConversation(Int32Value.of(3))
                                                                    .build())
                                            .getMessagesList();

        final List<Message> expected = new ArrayList<>(List.of(only));
        expected.addAll(seeded.newestOfQuiet(3));
        expected.addAll(seeded.newestOfBusy(3));
        assertEquals(expected, recent);
    }

    @Test
    void recentMessagesAgreesWithTheFirstPageOfListMessages() {
        for (Conversation conversation : List.of(seeded.busy(), seeded.quiet())) {
            assertEquals(threads.listMessages(conversation.getId(), null, 10),
                         threads.stub()
                                .recentMessages(recent(conversation.getId())
                                                        .setLimitPerConversation(Int32Value.of(10))
                                                        .build())
                                .getMessagesList());
        }
    }
}
