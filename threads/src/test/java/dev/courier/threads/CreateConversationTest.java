package dev.courier.threads;

import static dev.courier.threads.Outcome.fails;
import static dev.courier.threads.Outcome.succeeds;
import static io.grpc.Status.Code.INVALID_ARGUMENT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.CreateConversationRequest;
import dev.courier.proto.threads.CreateConversationResponse;
import dev.courier.proto.threads.ReadConversationRequest;

/** CreateConversation: validation of group_id and topic, and what the server assigns. */
class CreateConversationTest {

    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05.123456Z");

    @TempDir
    Path dataDir;

    private MutableClock clock;
    private RunningThreads threads;

    @BeforeEach
    void start() {
        clock = new MutableClock(NOW);
        threads = RunningThreads.start(dataDir, clock);
    }

    @AfterEach
    void stop() throws InterruptedException {
        threads.close();
    }

    private static CreateConversationRequest.Builder valid() {
        return CreateConversationRequest.newBuilder().setGroupId("team-1").setTopic("Launch");
    }

    private static Arguments row(String name, Supplier<CreateConversationRequest.Builder> request,
                                 Outcome<Void, CreateConversationResponse> outcome) {
        return Arguments.of(name, request, outcome);
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                row("missing group_id", () -> valid().clearGroupId(), fails(INVALID_ARGUMENT, "MISSING_GROUP_ID")),
                row("missing topic", () -> valid().clearTopic(), fails(INVALID_ARGUMENT, "MISSING_TOPIC")),
                row("group_id one byte over the limit",
                    () -> valid().setGroupId(Strings.ofBytes(Limits.MAX_ID_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "GROUP_ID_TOO_LONG")),
                row("group_id over the limit in UTF-8 bytes, not in chars",
                    () -> valid().setGroupId(Strings.ofTwoByteChars(Limits.MAX_ID_BYTES / 2 + 1)),
                    fails(INVALID_ARGUMENT, "GROUP_ID_TOO_LONG")),
                row("topic one byte over the limit",
                    () -> valid().setTopic(Strings.ofBytes(Limits.MAX_TOPIC_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "TOPIC_TOO_LONG")),
                row("group_id exactly at the limit",
                    () -> valid().setGroupId(Strings.ofBytes(Limits.MAX_ID_BYTES)),
                    succeeds((none, response) -> assertEquals(Strings.ofBytes(Limits.MAX_ID_BYTES),
                                                              response.getConversation().getGroupId()))),
                row("topic exactly at the limit",
                    () -> valid().setTopic(Strings.ofBytes(Limits.MAX_TOPIC_BYTES)),
                    succeeds((none, response) -> assertEquals(Strings.ofBytes(Limits.MAX_TOPIC_BYTES),
                                                              response.getConversation().getTopic()))),
                row("topic of two-byte chars exactly at the limit",
                    () -> valid().setTopic(Strings.ofTwoByteChars(Limits.MAX_TOPIC_BYTES / 2)),
                    succeeds((none, response) -> assertEquals(Strings.ofTwoByteChars(Limits.MAX_TOPIC_BYTES / 2),
                                                              response.getConversation().getTopic()))),
                row("valid request", CreateConversationTest::valid,
                    succeeds((none, response) -> {
                        final Conversation conversation = response.getConversation();
                        UUID.fromString(conversation.getId());
                        assertEquals("team-1", conversation.getGroupId());
                        assertEquals("Launch", conversation.getTopic());
                        assertEquals(Micros.timestamp(NOW), conversation.getCreatedAt());
                    })));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void createConversationAnswersEachRequestAsTabled(String name,
                                                      Supplier<CreateConversationRequest.Builder> request,
                                                      Outcome<Void, CreateConversationResponse> outcome) {
        outcome.verify(null, () -> threads.stub().createConversation(request.get().build()));
    }

    @Test
    void createConversationAssignsAFreshIdAndTheCurrentTimeToEach() {
        final Conversation first = threads.createConversation("team-1", "Launch");
        final Instant later = clock.advance(Duration.ofSeconds(90));
        final Conversation second = threads.createConversation("team-1", "Launch");

        assertNotEquals(first.getId(), second.getId());
        assertEquals(Micros.timestamp(NOW), first.getCreatedAt());
        assertEquals(Micros.timestamp(later), second.getCreatedAt());
    }

    @Test
    void createConversationStoresWhatItReturns() {
        final Conversation created = threads.createConversation("team-1", "Ünïcödé topic ✓");

        assertEquals(created, threads.stub()
                                     .readConversation(ReadConversationRequest.newBuilder()
                                                                              .setId(created.getId())
                                                                              .build())
                                     .getConversation());
    }
}
