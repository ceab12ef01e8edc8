package dev.courier.threads;

import static dev.courier.threads.Outcome.fails;
import static dev.courier.threads.Outcome.succeeds;
import static io.grpc.Status.Code.INVALID_ARGUMENT;
import static io.grpc.Status.Code.NOT_FOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Instant;
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

import com.google.protobuf.StringValue;

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.ReadConversationRequest;
import dev.courier.proto.threads.ReadConversationResponse;

/** ReadConversation: validation of id, and the optional group_id filter. */
class ReadConversationTest {

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

    private static ReadConversationRequest.Builder read(Conversation conversation) {
        return ReadConversationRequest.newBuilder().setId(conversation.getId());
    }

    private static Arguments row(String name, Function<Conversation, ReadConversationRequest.Builder> request,
                                 Outcome<Conversation, ReadConversationResponse> outcome) {
        return Arguments.of(name, request, outcome);
    }

    private static Outcome<Conversation, ReadConversationResponse> findsIt() {
        return succeeds((conversation, response) -> assertEquals(conversation, response.getConversation()));
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                row("missing id", c -> read(c).clearId(), fails(INVALID_ARGUMENT, "MISSING_ID")),
                row("id one byte over the limit", c -> read(c).setId(Strings.ofBytes(Limits.MAX_ID_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "ID_TOO_LONG")),
                row("id exactly at the limit passes validation",
                    c -> read(c).setId(Strings.ofBytes(Limits.MAX_ID_BYTES)), fails(NOT_FOUND, "NOT_FOUND")),
                row("unknown id", c -> read(c).setId(UUID.randomUUID().toString()), fails(NOT_FOUND, "NOT_FOUND")),
                row("no group_id", ReadConversationTest::read, findsIt()),
                row("its own group_id", c -> read(c).setGroupId(StringValue.of(c.getGroupId())), findsIt()),
                row("another group_id", c -> read(c).setGroupId(StringValue.of("team-2")),
                    fails(NOT_FOUND, "NOT_FOUND")),
                row("a group_id differing only in case", c -> read(c).setGroupId(StringValue.of("TEAM-1")),
                    fails(NOT_FOUND, "NOT_FOUND")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void readConversationAnswersEachRequestAsTabled(String name,
                                                    Function<Conversation, ReadConversationRequest.Builder> request,
                                                    Outcome<Conversation, ReadConversationResponse> outcome) {
        outcome.verify(conversation, () -> threads.stub().readConversation(request.apply(conversation).build()));
    }

    @Test
    void readConversationFindsEachConversationByItsOwnIdAndGroup() {
        final Conversation other = threads.createConversation("team-2", "Retro");

        assertEquals(other, threads.stub()
                                   .readConversation(read(other).setGroupId(StringValue.of("team-2")).build())
                                   .getConversation());
        assertEquals(conversation, threads.stub()
                                          .readConversation(read(conversation).setGroupId(StringValue.of("team-1"))
                                                                              .build())
                                          .getConversation());
        Outcome.assertFails(NOT_FOUND, "NOT_FOUND", () -> threads.stub().readConversation(
                read(other).setGroupId(StringValue.of("team-1")).build()));
    }
}
