package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which strings are topic names. */
class TopicsTest {

    static Stream<Arguments> validNames() {
        return Stream.of(
                Arguments.of("one letter", "a"),
                Arguments.of("two tokens", "a.b"),
                Arguments.of("digits, dashes and underscores", "orders.eu-west_1.created"),
                Arguments.of("upper case", "Orders.EU"),
                Arguments.of("a token of digits only", "v1.2"),
                Arguments.of("exactly the longest name", "a".repeat(Topics.MAX_LENGTH)),
                Arguments.of("the longest name in many tokens", "a.".repeat(127) + 'a'));
    }

    static Stream<Arguments> invalidNames() {
        return Stream.of(
                Arguments.of("slash", "helloworld/1"),
                Arguments.of("empty token", "a..b"),
                Arguments.of("leading dot", ".a"),
                Arguments.of("trailing dot", "a."),
                Arguments.of("only a dot", "."),
                Arguments.of("wildcard", "*"),
                Arguments.of("full wildcard", ">"),
                Arguments.of("wildcard token", "a.*"),
                Arguments.of("full wildcard token", "a.>"),
                Arguments.of("empty", ""),
                Arguments.of("one character too long", "a".repeat(Topics.MAX_LENGTH + 1)),
                Arguments.of("inner space", "a b"),
                Arguments.of("leading space", " a"),
                Arguments.of("trailing space", "a "),
                Arguments.of("tab", "a\tb"),
                Arguments.of("accented letter", "café"),
                Arguments.of("non-Latin letters", "注文"),
                Arguments.of("full-width digit", "a１"));
    }

    @ParameterizedTest(name = "{0}: \"{1}\"")
    @MethodSource("validNames")
    void isValidAcceptsTopicName(String description, String topic) {
        assertTrue(Topics.isValid(topic));
    }

    @ParameterizedTest(name = "{0}: \"{1}\"")
    @MethodSource("invalidNames")
    void isValidRejectsNonName(String description, String topic) {
        assertFalse(Topics.isValid(topic));
    }
}
