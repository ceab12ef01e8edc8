package dev.courier.threads;

import static dev.courier.threads.Outcome.assertFails;
import static dev.courier.threads.Outcome.fails;
import static dev.courier.threads.Outcome.succeeds;
import static io.grpc.Status.Code.INVALID_ARGUMENT;
import static io.grpc.Status.Code.NOT_FOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
import dev.courier.proto.threads.DeleteConversationRequest;
import dev.courier.proto.threads.DeleteConversationResponse;
import dev.courier.proto.threads.ListConversationsRequest;
import dev.courier.proto.threads.Message;
import dev.courier.proto.threads.ReadConversationRequest;
import dev.courier.proto.threads.RecentMessagesRequest;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** DeleteConversation: validation of id, and that a conversation goes together with its messages. */
class DeleteConversationTest {

    @TempDir
    Path dataDir;

    private RunningThreads threads;
    private Conversation conversation;

    @BeforeEach
    void start() {
        threads = RunningThreads.start(dataDir, new MutableClock(Instant.parse("2030-01-02T03:04:05Z")));
        conversation = threads.createConversation("team-1", "Launch");
    }

    @AfterEach
    void stop() throws InterruptedException {
        threads.close();
    }

    private static DeleteConversationRequest delete(String id) {
        return DeleteConversationRequest.newBuilder().setId(id).build();
    }

    private static Arguments row(String name, Function<Conversation, DeleteConversationRequest> request,
                                 Outcome<Conversation, DeleteConversationResponse> outcome) {
        return Arguments.of(name, request, outcome);
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                row("missing id", c -> delete(""), fails(INVALID_ARGUMENT, "MISSING_ID")),
                row("id one byte over the limit", c -> delete(Strings.ofBytes(Limits.MAX_ID_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "ID_TOO_LONG")),
                row("id exactly at the limit passes validation", c -> delete(Strings.ofBytes(Limits.MAX_ID_BYTES)),
                    fails(NOT_FOUND, "NOT_FOUND")),
                row("unknown id", c -> delete(UUID.randomUUID().toString()), fails(NOT_FOUND, "NOT_FOUND")),
                row("existing conversation", c -> delete(c.getId()),
                    succeeds((c, response) -> assertEquals(DeleteConversationResponse.getDefaultInstance(),
                                                           response))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void deleteConversationAnswersEachRequestAsTabled(String name,
                                                      Function<Conversation, DeleteConversationRequest> request,
                                                      Outcome<Conversation, DeleteConversationResponse> outcome) {
        outcome.verify(conversation, () -> threads.stub().deleteConversation(request.apply(conversation)));
    }

    @Test
    void deleteConversationRemovesItAndAllItsMessages() {
        for (int i = 0; i < 30; i++) {
            threads.createMessage(conversation.getId(), "message " + i);
        }

        threads.stub().deleteConversation(delete(conversation.getId()));

        assertFails(NOT_FOUND, "NOT_FOUND", () -> threads.stub().readConversation(
                ReadConversationRequest.newBuilder().setId(conversation.getId()).build()));
        assertEquals(List.of(), threads.listMessages(conversation.getId(), null, 1000));
        assertEquals(List.of(), threads.stub()
                                       .recentMessages(RecentMessagesRequest.newBuilder()
                                                                            .addConversationIds(conversation.getId())
                                                                            .build())
                                       .getMessagesList());
        assertEquals(List.of(), threads.stub()
                                       .listConversations(ListConversationsRequest.newBuilder()
                                                                                  .setGroupId("team-1")
                                                                                  .build())
                                       .getConversationsList());
        assertFails(NOT_FOUND, "NOT_FOUND", () -> threads.createMessage(conversation.getId(), "too late"));
    }

    @Test
    void deletingAConversationTwiceIsNotFoundTheSecondTime() {
        threads.stub().deleteConversation(delete(conversation.getId()));

        assertFails(NOT_FOUND, "NOT_FOUND", () -> threads.stub().deleteConversation(delete(conversation.getId())));
    }

    @Test
    void deleteConversationLeavesOtherConversationsAndTheirMessages() {
        final Conversation other = threads.createConversation("team-1", "Retro");
        threads.createMessage(conversation.getId(), "gone");
        final Message kept = threads.createMessage(other.getId(), "kept");

        threads.stub().deleteConversation(delete(conversation.getId()));

        assertEquals(List.of(kept), threads.listMessages(other.getId(), null, 1000));
        assertEquals(List.of(other), threads.stub()
                                            .listConversations(ListConversationsRequest.newBuilder()
                                                                                       .setGroupId("team-1")
                                                                                       .build())
                                            .getConversationsList());
    }

    /**
     * Writers keep writing into a conversation while it is deleted. The delete must win cleanly: it
     * succeeds, every write either lands before it (and is deleted with it) or is NOT_FOUND, and no
     * message outlives the conversation.
     */
    @Test
    void deleteConversationWhileWritersWriteLeavesNothingBehind() throws Exception {
        // Several rounds, since one delete may by luck fall between two writes.
        for (int round = 0; round < 5; round++) {
            final Conversation target = threads.createConversation("team-1", "Round " + round);
            final CountDownLatch writesUnderWay = new CountDownLatch(20);
            final AtomicBoolean deleted = new AtomicBoolean();
            final List<Callable<String>> tasks = new ArrayList<>();
            for (int writer = 0; writer < 4; writer++) {
                tasks.add(() -> writeUntilDeleted(target.getId(), writesUnderWay, deleted));
            }
            tasks.add(() -> {
                try {
                    assertTrue(writesUnderWay.await(10, TimeUnit.SECONDS), "writers did not get going");
                    threads.stub().deleteConversation(delete(target.getId()));
                    return "deleted";
                } catch (StatusRuntimeException e) {
                    return "delete failed: " + e.getStatus();
                } finally {
                    deleted.set(true);
                }
            });

            final List<String> results = Concurrently.run(tasks);

            assertEquals(List.of("stopped", "stopped", "stopped", "stopped", "deleted"), results,
                         "round " + round);
            assertEquals(List.of(), threads.listMessages(target.getId(), null, 1000), "round " + round);
        }
    }

    /** Writes until the delete is done; returns "stopped", or what went wrong. */
    private String writeUntilDeleted(String conversationId, CountDownLatch writesUnderWay,
                                     AtomicBoolean deleted) {
        for (int i = 0; !deleted.get(); i++) {
            try {
                threads.createMessage(conversationId, "message " + i);
                writesUnderWay.countDown();
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                    return "write failed: " + e.getStatus();
                }
            }
        }
        return "stopped";
    }
}
