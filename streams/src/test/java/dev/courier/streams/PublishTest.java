package dev.courier.streams;

import static dev.courier.streams.Outcome.assertFails;
import static dev.courier.streams.Outcome.fails;
import static dev.courier.streams.Outcome.succeeds;
import static dev.courier.streams.RunningStreams.ANONYMOUS;
import static dev.courier.streams.RunningStreams.BACKEND;
import static io.grpc.Status.Code.INVALID_ARGUMENT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.protobuf.Timestamp;

import dev.courier.proto.streams.Message;
import dev.courier.proto.streams.PublishResponse;

/** Publish: validation of topic and message, and what the server stamps on a message. */
class PublishTest {

    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05.123456789Z");

    private RunningStreams streams;

    @BeforeEach
    void start() {
        streams = RunningStreams.start(new MutableClock(NOW));
    }

    @AfterEach
    void stop() throws InterruptedException {
        streams.close();
    }

    private static Message.Builder valid() {
        return Message.newBuilder().setTopic("orders.created").setMessage("{\"id\":1}");
    }

    private static Arguments row(String name, Supplier<Message.Builder> request, Outcome<PublishResponse> outcome) {
        return Arguments.of(name, request, outcome);
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                row("missing topic", () -> valid().clearTopic(), fails(INVALID_ARGUMENT, "MISSING_TOPIC")),
                row("topic with a slash", () -> valid().setTopic("helloworld/1"),
                    fails(INVALID_ARGUMENT, "INVALID_TOPIC")),
                row("wildcard topic", () -> valid().setTopic("orders.*"), fails(INVALID_ARGUMENT, "INVALID_TOPIC")),
                row("topic one character over the limit", () -> valid().setTopic("a".repeat(Topics.MAX_LENGTH + 1)),
                    fails(INVALID_ARGUMENT, "INVALID_TOPIC")),
                row("missing message", () -> valid().clearMessage(), fails(INVALID_ARGUMENT, "MISSING_MESSAGE")),
                row("message one byte over the limit",
                    () -> valid().setMessage("x".repeat(Limits.MAX_MESSAGE_BYTES + 1)),
                    fails(INVALID_ARGUMENT, "MESSAGE_TOO_LONG")),
                row("message over the limit in UTF-8 bytes, not in chars",
                    () -> valid().setMessage("é".repeat(Limits.MAX_MESSAGE_BYTES / 2 + 1)),
                    fails(INVALID_ARGUMENT, "MESSAGE_TOO_LONG")),
                row("topic exactly at the limit", () -> valid().setTopic("a".repeat(Topics.MAX_LENGTH)),
                    succeeds(response -> assertEquals(PublishResponse.getDefaultInstance(), response))),
                row("message exactly at the limit", () -> valid().setMessage("x".repeat(Limits.MAX_MESSAGE_BYTES)),
                    succeeds(response -> assertEquals(PublishResponse.getDefaultInstance(), response))),
                row("topic nobody subscribes to", () -> valid().setTopic("nobody.listens"),
                    succeeds(response -> assertEquals(PublishResponse.getDefaultInstance(), response))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void publishAnswersEachRequestAsTabled(String name, Supplier<Message.Builder> request,
                                           Outcome<PublishResponse> outcome) {
        outcome.verify(() -> streams.stub(BACKEND).publish(request.get().build()));
    }

    @Test
    void publishDeliversTheMessageWithTheServersSentAt() throws Exception {
        final Subscriber subscriber = Subscriber.reading();
        streams.subscribe(BACKEND, "orders.created", subscriber);
        streams.bus().awaitSubscribed(1);

        streams.stub(BACKEND).publish(valid().setSentAt(Timestamp.newBuilder().setSeconds(1)).build());

        subscriber.awaitReceived(1);
        final Message received = subscriber.messages().get(0);
        assertEquals("orders.created", received.getTopic());
        assertEquals("{\"id\":1}", received.getMessage());
        assertEquals(Timestamp.newBuilder().setSeconds(NOW.getEpochSecond()).setNanos(NOW.getNano()).build(),
                     received.getSentAt());
    }

    @Test
    void publishWithoutANamespaceIsRefusedAndReachesNoSubscriber() throws Exception {
        final Subscriber subscriber = Subscriber.reading();
        streams.subscribe(BACKEND, "orders.created", subscriber);
        streams.bus().awaitSubscribed(1);

        assertFails(INVALID_ARGUMENT, "MISSING_TOKEN", () -> streams.stub(ANONYMOUS).publish(valid().build()));
        streams.publish(BACKEND, "orders.created", "accepted");

        subscriber.awaitReceived(1);
        assertEquals("accepted", subscriber.messages().get(0).getMessage());
    }

    @Test
    void rejectedPublishReachesNoSubscriber() throws Exception {
        final Subscriber subscriber = Subscriber.reading();
        streams.subscribe(BACKEND, "orders.created", subscriber);
        streams.bus().awaitSubscribed(1);

        assertFails(INVALID_ARGUMENT, "MISSING_MESSAGE",
                    () -> streams.stub(BACKEND).publish(valid().clearMessage().build()));
        assertFails(INVALID_ARGUMENT, "MESSAGE_TOO_LONG",
                    () -> streams.stub(BACKEND).publish(
                            valid().setMessage("x".repeat(Limits.MAX_MESSAGE_BYTES + 1)).build()));
        streams.publish(BACKEND, "orders.created", "accepted");

        // Messages of one topic arrive in publish order: had a rejected one gone out, it would be first.
        subscriber.awaitReceived(1);
        assertEquals("accepted", subscriber.messages().get(0).getMessage());
    }
}
