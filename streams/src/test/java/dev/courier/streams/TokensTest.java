package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Tokens: what a minted token admits, when it expires, and that it cannot be forged. */
class TokensTest {

    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05.123Z");
    private static final Duration TTL = Duration.ofSeconds(60);
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER_SECRET = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private MutableClock clock;
    private Tokens tokens;

    @BeforeEach
    void setUp() {
        clock = new MutableClock(NOW);
        tokens = new Tokens(SECRET, clock, TTL);
    }

    @Test
    void tokenAdmitsItsNamespaceAndTopic() {
        assertNull(tokens.check(tokens.mint("acme", "orders.created"), "acme", "orders.created"));
    }

    @Test
    void tokenWithoutTopicAdmitsEveryTopicOfItsNamespace() {
        final String token = tokens.mint("acme", "");

        assertNull(tokens.check(token, "acme", "orders.created"));
        assertNull(tokens.check(token, "acme", "billing"));
    }

    @Test
    void tokenExpiresExactlyWhenItsTtlHasPassed() {
        final String token = tokens.mint("acme", "orders");

        clock.advance(TTL.minusMillis(1));
        assertNull(tokens.check(token, "acme", "orders"));
        clock.advance(Duration.ofMillis(1));
        assertEquals(StreamsError.EXPIRED_TOKEN, tokens.check(token, "acme", "orders"));
    }

    @Test
    void tokenIsInvalidInAnotherNamespace() {
        final String token = tokens.mint("acme", "orders");

        assertEquals(StreamsError.INVALID_TOKEN, tokens.check(token, "globex", "orders"));
        assertEquals(StreamsError.INVALID_TOKEN, tokens.check(token, "acm", "orders"));
        assertEquals(StreamsError.INVALID_TOKEN, tokens.check(token, "acme2", "orders"));
    }

    @Test
    void tokenForOneTopicForbidsAnother() {
        final String token = tokens.mint("acme", "orders");

        assertEquals(StreamsError.FORBIDDEN_TOPIC, tokens.check(token, "acme", "billing"));
        assertEquals(StreamsError.FORBIDDEN_TOPIC, tokens.check(token, "acme", "orders.created"));
    }

    @Test
    void tokenOfTheSameSecretIsAcceptedByAnotherNode() {
        final Tokens otherNode = new Tokens(SECRET.clone(), clock, TTL);

        assertNull(otherNode.check(tokens.mint("acme", "orders"), "acme", "orders"));
    }

    @Test
    void tokenCheckedWithoutANamespaceAdmitsItsOwnStillBoundByTopicAndExpiry() {
        final String token = tokens.mint("acme", "orders");

        assertNull(tokens.check(token, null, "orders"));
        assertEquals(StreamsError.FORBIDDEN_TOPIC, tokens.check(token, null, "billing"));
        clock.advance(TTL);
        assertEquals(StreamsError.EXPIRED_TOKEN, tokens.check(token, null, "orders"));
    }

    @Test
    void unrestrictedNamespaceIsThatOfAnAuthenticUnexpiredTokenForAnyTopic() {
        final String anyTopic = tokens.mint("acme", "");
        final String oneTopic = tokens.mint("acme", "orders");

        assertEquals(Optional.of("acme"), tokens.unrestrictedNamespace(anyTopic));
        assertEquals(Optional.empty(), tokens.unrestrictedNamespace(oneTopic));
        assertEquals(Optional.empty(), tokens.unrestrictedNamespace(anyTopic + "x"));
        assertEquals(Optional.empty(),
                     tokens.unrestrictedNamespace(new Tokens(OTHER_SECRET, clock, TTL).mint("acme", "")));
        clock.advance(TTL);
        assertEquals(Optional.empty(), tokens.unrestrictedNamespace(anyTopic));
    }

    @Test
    void namespaceOfNamesTheNamespaceOfAnAuthenticTokenEvenExpired() {
        final String token = tokens.mint("acme", "orders");
        clock.advance(TTL.multipliedBy(2));

        assertEquals("acme", tokens.namespaceOf(token));
        assertNull(tokens.namespaceOf("garbage"));
        assertNull(tokens.namespaceOf(new Tokens(OTHER_SECRET, clock, TTL).mint("acme", "orders")));
    }

    private static Arguments row(String name, BiFunction<Tokens, String, String> forge) {
        return Arguments.of(name, forge);
    }

    /** Ways to make a token from a genuine one for ("acme", "orders") without the secret. */
    static Stream<Arguments> forgeries() {
        return Stream.of(
                row("claims with a later expiry, signature kept", (tokens, genuine) -> {
                    final byte[] claims = claims(genuine);
                    final ByteBuffer buffer = ByteBuffer.wrap(claims);
                    buffer.putLong(1, buffer.getLong(1) + Duration.ofDays(365).toMillis());
                    return ENCODER.encodeToString(claims) + '.' + signature(genuine);
                }),
                row("claims of a token for another topic, signature kept",
                    (tokens, genuine) -> ENCODER.encodeToString(claims(tokens.mint("acme", "billing"))) + '.' +
                                         signature(genuine)),
                row("one bit of the signature flipped", (tokens, genuine) -> {
                    final byte[] signature = DECODER.decode(signature(genuine));
                    signature[7] ^= 1;
                    return ENCODER.encodeToString(claims(genuine)) + '.' + ENCODER.encodeToString(signature);
                }),
                row("signature cut short", (tokens, genuine) -> genuine.substring(0, genuine.length() - 4)),
                row("no signature", (tokens, genuine) -> ENCODER.encodeToString(claims(genuine)) + '.'),
                row("no claims", (tokens, genuine) -> '.' + signature(genuine)),
                row("no dot", (tokens, genuine) -> genuine.replace(".", "")),
                row("a second dot", (tokens, genuine) -> genuine + ".x"),
                row("signed with another secret",
                    (tokens, genuine) -> new Tokens(OTHER_SECRET, new MutableClock(NOW), TTL).mint("acme", "orders")),
                row("garbage", (tokens, genuine) -> "garbage"),
                row("not base64", (tokens, genuine) -> "!!!.???"),
                row("empty", (tokens, genuine) -> ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgeries")
    void forgedTokenIsInvalid(String name, BiFunction<Tokens, String, String> forge) {
        final String forged = forge.apply(tokens, tokens.mint("acme", "orders"));

        assertEquals(StreamsError.INVALID_TOKEN, tokens.check(forged, "acme", "orders"));
        assertEquals(StreamsError.INVALID_TOKEN, tokens.check(forged, null, "orders"));
    }

    private static byte[] claims(String token) {
        return DECODER.decode(token.substring(0, token.indexOf('.')));
    }

    private static String signature(String token) {
        return token.substring(token.indexOf('.') + 1);
    }
}
