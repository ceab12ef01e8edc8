package dev.courier.threads;

import static dev.courier.threads.Outcome.fails;
import static dev.courier.threads.Outcome.succeeds;
import static io.grpc.Status.Code.INVALID_ARGUMENT;
import static io.grpc.Status.Code.NOT_FOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.ListConversationsRequest;
import dev.courier.proto.threads.ReadConversationRequest;
import dev.courier.proto.threads.UpdateConversationRequest;
import dev.courier.proto.threads.UpdateConversationResponse;

/** UpdateConversation: validation of id and topic, and the topic change itself. */
class UpdateConversationTest {

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

    private static UpdateConversationRequest.Builder update(Conversation conversation, String topic) {
        return UpdateConversationRequest.newBuilder().setId(conversation.getId()).setTopic(topic);
    }

    private static Arguments row(String name, Function<Conversation, UpdateConversationRequest.Builder> request,
                                 Outcome<Conversation, UpdateConversationResponse> outcome) {
        return Arguments.of(name, request, outcome);
    }

    /** The response is the conversation as it was, with only its topic changed. */
    private static Outcome<Conversation, UpdateConversationResponse> retitles(String topic) {
        return succeeds((conversation, response) -> assertEquals(conversation.toBuilder().setTopic(topic).build(),
                                                                 response.getConversation()));
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                row("missing id", c -> update(c, "Relaunch").clearId(), fails(INVALID_ARGUMENT, "MISSING_ID")),
                row("missing topic", c -> update(c, ""), fails(INVALID_ARGUMENT, "MISSING_TOPIC")),
                row("id one byte over the limit",
                    c -> update(c, "Relaunch").setId(Strings.ofBytes(Limits.MAX_ID_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "ID_TOO_LONG")),
                row("topic one byte over the limit", c -> update(c, Strings.ofBytes(Limits.MAX_TOPIC_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "TOPIC_TOO_LONG")),
                row("topic over the limit in UTF-8 bytes, not in chars",
                    c -> update(c, Strings.ofTwoByteChars(Limits.MAX_TOPIC_BYTES / 2 + 1)),
                    fails(INVALID_ARGUMENT, "TOPIC_TOO_LONG")),
                row("id exactly at the limit passes validation",
                    c -> update(c, "Relaunch").setId(Strings.ofBytes(Limits.MAX_ID_BYTES)),
                    fails(NOT_FOUND, "NOT_FOUND")),
                row("unknown id", c -> update(c, "Relaunch").setId(UUID.randomUUID().toString()),
                    fails(NOT_FOUND, "NOT_FOUND")),
                row("topic exactly at the limit", c -> update(c, Strings.ofBytes(Limits.MAX_TOPIC_BYTES)),
                    retitles(Strings.ofBytes(Limits.MAX_TOPIC_BYTES))),
                row("new topic", c -> update(c, "Relaunch"), retitles("Relaunch")),
                row("same topic", c -> update(c, c.getTopic()), retitles("Launch")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void updateConversationAnswersEachRequestAsTabled(String name,
                                                      Function<Conversation, UpdateConversationRequest.Builder> request,
                                                      Outcome<Conversation, UpdateConversationResponse> outcome) {
        outcome.verify(conversation, () -> threads.stub().updateConversation(request.apply(conversation).build()));
    }

    @Test
    void updateConversationChangesTheTopicThatReadAndListSee() {
        clock.advance(Duration.ofHours(1));
        final Conversation updated =
                threads.stub().updateConversation(update(conversation, "Relaunch").build()).getConversation();

        assertEquals("Relaunch", updated.getTopic());
        // The update is no new conversation: its id, group and creation time stay.
        assertEquals(conversation.toBuilder().setTopic("Relaunch").build(), updated);
        assertEquals(updated, threads.stub()
                                     .readConversation(ReadConversationRequest.newBuilder()
                                                                              .setId(conversation.getId())
                                                                              .build())
                                     .getConversation());
        assertEquals(List.of(updated), threads.stub()
                                              .listConversations(ListConversationsRequest.newBuilder()
                                                                                         .setGroupId("team-1")
                                                                                         .build())
                                              .getConversationsList());
    }

    @Test
    void updateConversationLeavesOtherConversationsAlone() {
        final Conversation other = threads.createConversation("team-1", "Retro");

        threads.stub().updateConversation(update(conversation, "Relaunch").build());

        assertEquals(other, threads.stub()
                                   .readConversation(ReadConversationRequest.newBuilder().setId(other.getId()).build())
                                   .getConversation());
    }
}
