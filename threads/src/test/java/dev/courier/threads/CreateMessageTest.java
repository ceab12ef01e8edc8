package dev.courier.threads;

import static dev.courier.threads.Outcome.fails;
import static dev.courier.threads.Outcome.succeeds;
import static io.grpc.Status.Code.INVALID_ARGUMENT;
import static io.grpc.Status.Code.NOT_FOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
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
import dev.courier.proto.threads.CreateMessageRequest;
import dev.courier.proto.threads.CreateMessageResponse;
import dev.courier.proto.threads.Message;

/** CreateMessage: validation, NOT_FOUND, how sent_at is stamped, and idempotent retries. */
class CreateMessageTest {

    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05.123456Z");

    @TempDir
    Path dataDir;

    private MutableClock clock;
    private RunningThreads threads;
    private Conversation conversation;

    @BeforeEach
    void start() {
        clock = new MutableClock(NOW);
        threads = RunningThreads.start(dataDir, clock);
        conversation = threads.createConversation("team-1", "Launch");
    }

    @AfterEach
    void stop() throws InterruptedException {
        threads.close();
    }

    private static CreateMessageRequest.Builder write(Conversation conversation) {
        return CreateMessageRequest.newBuilder()
                                   .setConversationId(conversation.getId())
                                   .setAuthorId("ann")
                                   .setText("Hello");
    }

    private static Arguments row(String name, Function<Conversation, CreateMessageRequest.Builder> request,
                                 Outcome<Conversation, CreateMessageResponse> outcome) {
        return Arguments.of(name, request, outcome);
    }

    /** The response is a message of the seeded conversation with these fields, sent now. */
    private static Outcome<Conversation, CreateMessageResponse> stores(String id, String authorId, String text) {
        return succeeds((c, response) -> assertEquals(Message.newBuilder()
                                                             .setId(id)
                                                             .setConversationId(c.getId())
                                                             .setAuthorId(authorId)
                                                             .setText(text)
                                                             .setSentAt(Micros.timestamp(NOW))
                                                             .build(),
                                                      response.getMessage()));
    }

    static Stream<Arguments> requests() {
        final String longestId = Strings.ofBytes(Limits.MAX_ID_BYTES);
        final String longestText = Strings.ofBytes(Limits.MAX_TEXT_BYTES);
        return Stream.of(
                row("missing conversation_id", c -> write(c).clearConversationId(),
                    fails(INVALID_ARGUMENT, "MISSING_CONVERSATION_ID")),
                row("missing author_id", c -> write(c).clearAuthorId(), fails(INVALID_ARGUMENT, "MISSING_AUTHOR_ID")),
                row("missing text", c -> write(c).clearText(), fails(INVALID_ARGUMENT, "MISSING_TEXT")),
                row("id one byte over the limit", c -> write(c).setId(Strings.ofBytes(Limits.MAX_ID_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "ID_TOO_LONG")),
                row("conversation_id one byte over the limit",
                    c -> write(c).setConversationId(Strings.ofBytes(Limits.MAX_ID_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "CONVERSATION_ID_TOO_LONG")),
                row("author_id one byte over the limit",
                    c -> write(c).setAuthorId(Strings.ofBytes(Limits.MAX_ID_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "AUTHOR_ID_TOO_LONG")),
                row("author_id over the limit in UTF-8 bytes, not in chars",
                    c -> write(c).setAuthorId(Strings.ofTwoByteChars(Limits.MAX_ID_BYTES / 2 + 1)),
                    fails(INVALID_ARGUMENT, "AUTHOR_ID_TOO_LONG")),
                row("text one byte over the limit", c -> write(c).setText(Strings.ofBytes(Limits.MAX_TEXT_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "TEXT_TOO_LONG")),
                row("unknown conversation", c -> write(c).setConversationId(UUID.randomUUID().toString()),
                    fails(NOT_FOUND, "NOT_FOUND")),
                row("conversation_id exactly at the limit passes validation",
                    c -> write(c).setConversationId(longestId), fails(NOT_FOUND, "NOT_FOUND")),
                row("id exactly at the limit", c -> write(c).setId(longestId), stores(longestId, "ann", "Hello")),
                row("author_id exactly at the limit", c -> write(c).setId("m1").setAuthorId(longestId),
                    stores("m1", longestId, "Hello")),
                row("text exactly at the limit", c -> write(c).setId("m1").setText(longestText),
                    stores("m1", "ann", longestText)),
                row("client id", c -> write(c).setId("client-42"), stores("client-42", "ann", "Hello")),
                row("no id: the server assigns one", CreateMessageTest::write,
                    succeeds((c, response) -> {
                        final Message message = response.getMessage();
                        UUID.fromString(message.getId());
                        assertEquals(c.getId(), message.getConversationId());
                        assertEquals("ann", message.getAuthorId());
                        assertEquals("Hello", message.getText());
                        assertEquals(Micros.timestamp(NOW), message.getSentAt());
                    })));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void createMessageAnswersEachRequestAsTabled(String name,
                                                 Function<Conversation, CreateMessageRequest.Builder> request,
                                                 Outcome<Conversation, CreateMessageResponse> outcome) {
        outcome.verify(conversation, () -> threads.stub().createMessage(request.apply(conversation).build()));
    }

    @Test
    void createMessageStoresWhatItReturns() {
        final Message created = threads.createMessage(conversation.getId(), "Ünïcödé text ✓ 🚀");

        assertEquals(List.of(created), threads.listMessages(conversation.getId(), null, 10));
    }

    @Test
    void createMessageStampsSentAtWithTheClock() {
        final Message first = threads.createMessage(conversation.getId(), "first");
        final Instant later = clock.advance(Duration.ofMinutes(5));
        final Message second = threads.createMessage(conversation.getId(), "second");

        assertEquals(Micros.timestamp(NOW), first.getSentAt());
        assertEquals(Micros.timestamp(later), second.getSentAt());
    }

    @Test
    void createMessageKeepsSentAtIncreasingWhenTheClockStandsStillOrGoesBack() {
        final Message first = threads.createMessage(conversation.getId(), "first");
        final Message sameInstant = threads.createMessage(conversation.getId(), "same instant");
        clock.advance(Duration.ofSeconds(-10));
        final Message clockWentBack = threads.createMessage(conversation.getId(), "clock went back");

        assertEquals(Micros.of(NOW), Micros.of(first.getSentAt()));
        assertEquals(Micros.of(NOW) + 1, Micros.of(sameInstant.getSentAt()));
        assertEquals(Micros.of(NOW) + 2, Micros.of(clockWentBack.getSentAt()));
    }

    @Test
    void createMessageKeepsSentAtPerConversation() {
        final Conversation other = threads.createConversation("team-1", "Retro");
        threads.createMessage(conversation.getId(), "first here");
        threads.createMessage(conversation.getId(), "second here");

        // The other conversation's clock is its own: a busy neighbour does not push it ahead.
        assertEquals(Micros.timestamp(NOW), threads.createMessage(other.getId(), "first there").getSentAt());
    }

    @Test
    void createMessageRepeatedWithItsClientIdReturnsTheFirstMessageUnchanged() {
        final Message first = threads.createMessage(conversation.getId(), "client-42", "Hello");
        clock.advance(Duration.ofMinutes(1));

        final Message repeat = threads.stub()
                                      .createMessage(write(conversation).setId("client-42")
                                                                        .setAuthorId("bob")
                                                                        .setText("Something else")
                                                                        .build())
                                      .getMessage();

        assertEquals(first, repeat);
        assertEquals(List.of(first), threads.listMessages(conversation.getId(), null, 10));
    }

    @Test
    void createMessageRepeatedWithTheIdTheServerGaveReturnsThatMessage() {
        final Message first = threads.createMessage(conversation.getId(), "Hello");
        clock.advance(Duration.ofMinutes(1));

        final Message repeat = threads.stub()
                                      .createMessage(write(conversation).setId(first.getId())
                                                                        .setText("Something else")
                                                                        .build())
                                      .getMessage();

        assertEquals(first, repeat);
        assertEquals(List.of(first), threads.listMessages(conversation.getId(), null, 10));
    }

    @Test
    void createMessageWithAnIdTheServerGaveInAnotherConversationStoresANewMessage() {
        final Conversation other = threads.createConversation("team-1", "Retro");
        final Message there = threads.createMessage(other.getId(), "there");

        final Message here = threads.stub()
                                    .createMessage(write(conversation).setId(there.getId()).setText("here").build())
                                    .getMessage();

        assertEquals(there.getId(), here.getId());
        assertEquals("here", here.getText());
        assertEquals(List.of(here), threads.listMessages(conversation.getId(), null, 10));
        assertEquals(List.of(there), threads.listMessages(other.getId(), null, 10));
    }

    @Test
    void createMessageScopesClientIdsToTheirConversation() {
        final Conversation other = threads.createConversation("team-1", "Retro");

        final Message here = threads.createMessage(conversation.getId(), "client-42", "here");
        final Message there = threads.createMessage(other.getId(), "client-42", "there");

        assertEquals("there", there.getText());
        assertEquals(List.of(here), threads.listMessages(conversation.getId(), null, 10));
        assertEquals(List.of(there), threads.listMessages(other.getId(), null, 10));
    }

    @Test
    void createMessageIsIdempotentUnderConcurrentRetries() throws Exception {
        final int retries = 16;
        final List<Callable<Message>> tasks = new ArrayList<>();
        for (int i = 0; i < retries; i++) {
            final String text = "attempt " + i;
            tasks.add(() -> threads.createMessage(conversation.getId(), "client-42", text));
        }

        final List<Message> results = Concurrently.run(tasks);

        final List<Message> stored = threads.listMessages(conversation.getId(), null, 100);
        assertEquals(1, stored.size(), () -> "stored: " + stored);
        final Message message = stored.get(0);
        assertEquals("client-42", message.getId());
        assertTrue(message.getText().startsWith("attempt "), message.getText());
        for (Message result : results) {
            assertEquals(message, result);
        }
    }

    @Test
    void createMessageWithoutClientIdStoresEachCall() {
        final Message first = threads.createMessage(conversation.getId(), "Hello");
        final Message second = threads.createMessage(conversation.getId(), "Hello");

        assertNotEquals(first.getId(), second.getId());
        assertEquals(List.of(second, first), threads.listMessages(conversation.getId(), null, 10));
    }
}
