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
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.ListConversationsRequest;
import dev.courier.proto.threads.ListConversationsResponse;

/** ListConversations: validation of group_id, and which conversations come back in what order. */
class ListConversationsTest {

    @TempDir
    Path dataDir;

    private MutableClock clock;
    private RunningThreads threads;
    private Conversation conversation;

    @BeforeEach
    void start() {
        clock = new MutableClock(Instant.parse("2030-01-02T03:04:05Z"));
        threads = RunningThreads.start(dataDir, clock);
        conversation = threads.createConversation("team-1", "Launch");
    }

    @AfterEach
    void stop() throws InterruptedException {
        threads.close();
    }

    private static ListConversationsRequest.Builder list(String groupId) {
        return ListConversationsRequest.newBuilder().setGroupId(groupId);
    }

    private List<Conversation> listed(String groupId) {
        return threads.stub().listConversations(list(groupId).build()).getConversationsList();
    }

    private static Arguments row(String name, Function<Conversation, ListConversationsRequest.Builder> request,
                                 Outcome<Conversation, ListConversationsResponse> outcome) {
        return Arguments.of(name, request, outcome);
    }

    private static Outcome<Conversation, ListConversationsResponse> listsNothing() {
        return succeeds((c, response) -> assertEquals(List.of(), response.getConversationsList()));
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                row("missing group_id", c -> list(""), fails(INVALID_ARGUMENT, "MISSING_GROUP_ID")),
                row("group_id one byte over the limit", c -> list(Strings.ofBytes(Limits.MAX_ID_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "GROUP_ID_TOO_LONG")),
                row("group_id over the limit in UTF-8 bytes, not in chars",
                    c -> list(Strings.ofTwoByteChars(Limits.MAX_ID_BYTES / 2 + 1)),
                    fails(INVALID_ARGUMENT, "GROUP_ID_TOO_LONG")),
                row("group_id exactly at the limit", c -> list(Strings.ofBytes(Limits.MAX_ID_BYTES)), listsNothing()),
                row("group without conversations", c -> list("team-2"), listsNothing()),
                row("group with a conversation", c -> list(c.getGroupId()),
                    succeeds((c, response) -> assertEquals(List.of(c), response.getConversationsList()))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void listConversationsAnswersEachRequestAsTabled(String name,
                                                     Function<Conversation, ListConversationsRequest.Builder> request,
                                                     Outcome<Conversation, ListConversationsResponse> outcome) {
        outcome.verify(conversation, () -> threads.stub().listConversations(request.apply(conversation).build()));
    }

    @Test
    void listConversationsReturnsOnlyTheGroupsConversationsOldestFirst() {
        // Ids are random UUIDs, so with enough conversations an order by id would show.
        final List<Conversation> team1 = new ArrayList<>(List.of(conversation));
        final List<Conversation> team2 = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            clock.advance(Duration.ofMillis(1));
            team2.add(threads.createConversation("team-2", "Team 2, topic " + i));
            clock.advance(Duration.ofMillis(1));
            team1.add(threads.createConversation("team-1", "Team 1, topic " + i));
        }

        assertEquals(team1, listed("team-1"));
        assertEquals(team2, listed("team-2"));
    }

    @Test
    void listConversationsMatchesTheGroupExactly() {
        threads.createConversation("team-10", "Prefix sharer");
        threads.createConversation("TEAM-1", "Case differs");

        assertEquals(List.of(conversation), listed("team-1"));
    }
}
