package dev.courier.streams;

import static dev.courier.streams.Outcome.fails;
import static dev.courier.streams.Outcome.succeeds;
import static dev.courier.streams.RunningStreams.ANONYMOUS;
import static dev.courier.streams.RunningStreams.BACKEND;
import static io.grpc.Status.Code.INVALID_ARGUMENT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.courier.proto.streams.TokenRequest;
import dev.courier.proto.streams.TokenResponse;

/**
 * Token: validation of the topic, and that a token is minted with the service's secret, TTL and
 * the caller's namespace. Subscribing with tokens is {@link SubscribeTest}'s.
 */
class TokenTest {

    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05.123Z");

    private MutableClock clock;
    private Tokens tokens;
    private RunningStreams streams;

    @BeforeEach
    void start() {
        clock = new MutableClock(NOW);
        tokens = new Tokens(RunningStreams.SECRET, clock, RunningStreams.TOKEN_TTL);
        streams = RunningStreams.start(clock);
    }

    @AfterEach
    void stop() throws InterruptedException {
        streams.close();
    }

    private static Arguments row(String name, String topic, Outcome<TokenResponse> outcome) {
        return Arguments.of(name, topic, outcome);
    }

    /** Tokens are checked here with the secret the test server signs with. */
    private static void admits(TokenResponse response, String topic) {
        assertNull(new Tokens(RunningStreams.SECRET, new MutableClock(NOW), RunningStreams.TOKEN_TTL)
                           .check(response.getToken(), "default", topic));
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                row("topic with a slash", "helloworld/1", fails(INVALID_ARGUMENT, "INVALID_TOPIC")),
                row("wildcard topic", "orders.>", fails(INVALID_ARGUMENT, "INVALID_TOPIC")),
                row("topic one character over the limit", "a".repeat(Topics.MAX_LENGTH + 1),
                    fails(INVALID_ARGUMENT, "INVALID_TOPIC")),
                row("no topic: a token for any topic", "", succeeds(response -> {
                    admits(response, "orders");
                    admits(response, "billing");
                })),
                row("a topic", "orders", succeeds(response -> admits(response, "orders"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void tokenAnswersEachRequestAsTabled(String name, String topic, Outcome<TokenResponse> outcome) {
        outcome.verify(() -> streams.stub(BACKEND).token(TokenRequest.newBuilder().setTopic(topic).build()));
    }

    @Test
    void tokenIsForTheCallersNamespaceAndTopicOnly() {
        final String token = streams.token(BACKEND.in("acme"), "orders");

        assertNull(tokens.check(token, "acme", "orders"));
        assertEquals(StreamsError.INVALID_TOKEN, tokens.check(token, "default", "orders"));
        assertEquals(StreamsError.FORBIDDEN_TOPIC, tokens.check(token, "acme", "billing"));
    }

    @Test
    void tokenIsRefusedToACallerWithoutANamespace() {
        Outcome.assertFails(INVALID_ARGUMENT, "MISSING_TOKEN",
                            () -> streams.stub(ANONYMOUS).token(TokenRequest.getDefaultInstance()));
    }

    @Test
    void tokenLastsTheConfiguredTtlFromWhenItWasMinted() {
        clock.advance(Duration.ofMinutes(5));
        final String token = streams.token(BACKEND, "orders");

        clock.advance(RunningStreams.TOKEN_TTL.minusMillis(1));
        assertNull(tokens.check(token, "default", "orders"));
        clock.advance(Duration.ofMillis(1));
        assertEquals(StreamsError.EXPIRED_TOKEN, tokens.check(token, "default", "orders"));
    }
}
