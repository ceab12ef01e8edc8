package dev.courier.streams;

import static dev.courier.streams.Outcome.assertFails;
import static dev.courier.streams.RunningStreams.ANONYMOUS;
import static dev.courier.streams.RunningStreams.BACKEND;
import static dev.courier.streams.RunningStreams.BROWSER;
import static io.grpc.Status.Code.INVALID_ARGUMENT;
import static io.grpc.Status.Code.PERMISSION_DENIED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.courier.proto.streams.Message;
import dev.courier.proto.streams.SubscribeRequest;
import dev.courier.streams.RunningStreams.Caller;

import io.grpc.Status;

/** Subscribe: validation of topic and token, who may subscribe, and the end of a subscription. */
class SubscribeTest {

    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05.123Z");
    private static final String TOPIC = "orders.created";

    private RunningStreams streams;

    @BeforeEach
    void start() {
        streams = RunningStreams.start(new MutableClock(NOW));
    }

    @AfterEach
    void stop() throws InterruptedException {
        streams.close();
    }

    private static SubscribeRequest request(String topic, String token) {
        return SubscribeRequest.newBuilder().setTopic(topic).setToken(token).build();
    }

    /** What a row expects: an error, or (when code is null) a subscription that receives. */
    private record Expected(Status.Code code, String reason) {}

    private static final Expected RECEIVES = new Expected(null, null);

    private static Expected rejects(Status.Code code, String reason) {
        return new Expected(code, reason);
    }

    /**
     * A row: who subscribes, and the request, made from the running service (which mints tokens
     * and holds the clock) just before the call.
     */
    private static Arguments row(String name, Caller caller, Function<RunningStreams, SubscribeRequest> request,
                                 Expected expected) {
        return Arguments.of(name, caller, request, expected);
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                row("missing topic", BACKEND, streams -> request("", ""),
                    rejects(INVALID_ARGUMENT, "MISSING_TOPIC")),
                row("invalid topic", BACKEND, streams -> request("orders.*", ""),
                    rejects(INVALID_ARGUMENT, "INVALID_TOPIC")),
                row("topic one character over the limit", BACKEND,
                    streams -> request("a".repeat(Topics.MAX_LENGTH + 1), ""),
                    rejects(INVALID_ARGUMENT, "INVALID_TOPIC")),
                row("no token and no API key", BROWSER, streams -> request(TOPIC, ""),
                    rejects(INVALID_ARGUMENT, "MISSING_TOKEN")),
                row("garbage token", BROWSER, streams -> request(TOPIC, "garbage"),
                    rejects(PERMISSION_DENIED, "INVALID_TOKEN")),
                row("token of another namespace", BROWSER,
                    streams -> request(TOPIC, streams.token(BACKEND.in("globex"), TOPIC)),
                    rejects(PERMISSION_DENIED, "INVALID_TOKEN")),
                row("expired token", BROWSER, streams -> {
                    final String token = streams.token(BACKEND, TOPIC);
                    streams.clock().advance(RunningStreams.TOKEN_TTL);
                    return request(TOPIC, token);
                }, rejects(PERMISSION_DENIED, "EXPIRED_TOKEN")),
                row("token for another topic", BROWSER,
                    streams -> request(TOPIC, streams.token(BACKEND, "orders.deleted")),
                    rejects(PERMISSION_DENIED, "FORBIDDEN_TOPIC")),
                row("invalid token along with an API key", BACKEND, streams -> request(TOPIC, "garbage"),
                    rejects(PERMISSION_DENIED, "INVALID_TOKEN")),
                row("token for the topic", BROWSER, streams -> request(TOPIC, streams.token(BACKEND, TOPIC)),
                    RECEIVES),
                row("token for any topic", BROWSER, streams -> request(TOPIC, streams.token(BACKEND, "")),
                    RECEIVES),
                row("token a millisecond before it expires", BROWSER, streams -> {
                    final String token = streams.token(BACKEND, TOPIC);
                    streams.clock().advance(RunningStreams.TOKEN_TTL.minus(Duration.ofMillis(1)));
                    return request(TOPIC, token);
                }, RECEIVES),
                row("API key and no token", BACKEND, streams -> request(TOPIC, ""), RECEIVES),
                row("no namespace and no token", ANONYMOUS, streams -> request(TOPIC, ""),
                    rejects(INVALID_ARGUMENT, "MISSING_TOKEN")),
                row("no namespace and a garbage token", ANONYMOUS, streams -> request(TOPIC, "garbage"),
                    rejects(PERMISSION_DENIED, "INVALID_TOKEN")),
                row("no namespace and an expired token", ANONYMOUS, streams -> {
                    final String token = streams.token(BACKEND, TOPIC);
                    streams.clock().advance(RunningStreams.TOKEN_TTL);
                    return request(TOPIC, token);
                }, rejects(PERMISSION_DENIED, "EXPIRED_TOKEN")),
                row("no namespace and a token for another topic", ANONYMOUS,
                    streams -> request(TOPIC, streams.token(BACKEND, "orders.deleted")),
                    rejects(PERMISSION_DENIED, "FORBIDDEN_TOPIC")),
                row("no namespace and a token for the topic", ANONYMOUS,
                    streams -> request(TOPIC, streams.token(BACKEND, TOPIC)), RECEIVES));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void subscribeAnswersEachRequestAsTabled(String name, Caller caller,
                                             Function<RunningStreams, SubscribeRequest> request,
                                             Expected expected) throws Exception {
        final SubscribeRequest subscribe = request.apply(streams);
        if (expected.code() != null) {
            assertFails(expected.code(), expected.reason(),
                        () -> streams.stub(caller).subscribe(subscribe).hasNext());
            assertEquals(0, streams.bus().open(), "subscriptions left by a rejected Subscribe");
            return;
        }
        final Subscriber subscriber = Subscriber.reading();
        streams.subscribe(caller, subscribe, subscriber);
        streams.bus().awaitSubscribed(1);
        streams.publish(BACKEND, TOPIC, "hello");

        subscriber.awaitReceived(1);
        assertEquals(List.of("hello"), texts(subscriber.messages()));
        assertFalse(subscriber.hasEnded());
    }

    @Test
    void subscribeWithoutANamespaceReceivesTheMessagesOfTheTokensNamespace() throws Exception {
        final Caller acme = BACKEND.in("acme");
        final Subscriber subscriber = Subscriber.reading();
        streams.subscribe(ANONYMOUS, request(TOPIC, streams.token(acme, "")), subscriber);
        streams.bus().awaitSubscribed(1);

        // One subscriber's messages arrive in publish order: a leak from "default" would be first.
        streams.publish(BACKEND, TOPIC, "for default");
        streams.publish(acme, TOPIC, "for acme");

        subscriber.awaitReceived(1);
        assertEquals(List.of("for acme"), texts(subscriber.messages()));
    }

    @Test
    void subscribeReleasesItsSubscriptionWhenTheClientCancels() throws Exception {
        final Subscriber subscriber = Subscriber.reading();
        streams.subscribe(BACKEND, TOPIC, subscriber);
        streams.bus().awaitSubscribed(1);
        assertEquals(1, streams.bus().open());

        subscriber.cancel();

        streams.bus().awaitReleased(1);
        assertEquals(0, streams.bus().open());
    }

    @Test
    void subscribeReceivesOnlyWhatIsPublishedAfterItStarted() throws Exception {
        streams.publish(BACKEND, TOPIC, "before");
        final Subscriber subscriber = Subscriber.reading();
        streams.subscribe(BACKEND, TOPIC, subscriber);
        streams.bus().awaitSubscribed(1);
        streams.publish(BACKEND, TOPIC, "after");

        subscriber.awaitReceived(1);
        assertEquals(List.of("after"), texts(subscriber.messages()));
    }

    @Test
    void subscribePassesOverABusPayloadThatIsNoMessageAndGoesOn() throws Exception {
        final Subscriber subscriber = Subscriber.reading();
        streams.subscribe(BACKEND, TOPIC, subscriber);
        streams.bus().awaitSubscribed(1);

        // What another publisher on a shared NATS could put on the subject: field 1 with a
        // length past the end.
        streams.bus().publish("streams.default." + TOPIC, new byte[] { 1 << 3 | 2, 100, 'x' });
        streams.publish(BACKEND, TOPIC, "after");

        subscriber.awaitReceived(1);
        assertEquals(List.of("after"), texts(subscriber.messages()));
        assertFalse(subscriber.hasEnded());
    }

    static List<String> texts(List<Message> messages) {
        return messages.stream().map(Message::getMessage).toList();
    }
}
