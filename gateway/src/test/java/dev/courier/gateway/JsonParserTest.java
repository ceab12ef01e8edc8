package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

import dev.courier.proto.threads.CreateMessageRequest;

class JsonParserTest {

    private static final Descriptor EVERYTHING = TestMessages.EVERYTHING;
    private static final JsonParser parser = JsonParser.of(DynamicMessage.getDefaultInstance(EVERYTHING));

    @Test
    void readsRandomMessagesInEveryFormTheyArePrintedWithoutJsonFormat() throws Exception {
        final JsonFormat.Printer[] printers = {
                JsonFormat.printer(),
                JsonFormat.printer().omittingInsignificantWhitespace().preservingProtoFieldNames()
                          .alwaysPrintFieldsWithNoPresence(),
        };
        final JsonPrinter ours = JsonPrinter.of(EVERYTHING, JsonPrinter.Style.PROTO_NAMES_WITH_DEFAULTS);
        final Random random = new Random(11);
        for (int i = 0; i < 2000; i++) {
            final DynamicMessage message = TestMessages.randomEverything(random);
            for (JsonFormat.Printer printer : printers) {
                assertReadsDirectly(message, utf8(printer.print(message)));
            }
            assertReadsDirectly(message, ours.printDirectly(message.toByteArray()));
        }
    }

    @Test
    void readsTheContractsRequestsIntoTheirGeneratedClasses() throws Exception {
        final JsonParser requests = JsonParser.of(CreateMessageRequest.getDefaultInstance());
        final String json = "{\"conversation_id\":\"c1\",\"authorId\":\"ann\",\"text\":\"h\\u00e9llo \\ud83d\\ude00\"}";

        final Message parsed = requests.parseDirectly(utf8(json), false);

        assertEquals(CreateMessageRequest.newBuilder().setConversationId("c1").setAuthorId("ann")
                                         .setText("héllo 😀").build(), parsed);
        assertEquals(CreateMessageRequest.class, parsed.getClass());
    }

    /** Forms strict JSON allows that are easy to get wrong, each read as JsonFormat reads it. */
    @ParameterizedTest
    @ValueSource(strings = {
            "{}", " \t\r\n{ } \n", "{\"s\":\"\"}", "{\"s\":\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\"}",
            "{\"s\":\"\\ud834\\udd1e \u00e9\u20ac\ud83d\ude00\"}",
            "{\"i32\":-0}", "{\"i32\":-2147483648,\"u32\":4294967295,\"s32\":-1,\"f32\":\"4294967295\",\"sf32\":-5}",
            "{\"i64\":\"-9223372036854775808\",\"u64\":\"18446744073709551615\",\"s64\":9223372036854775807}",
            "{\"f64\":\"18446744073709551615\",\"sf64\":-9223372036854775808}",
            "{\"flag\":true}", "{\"flag\":false}", "{\"b\":\"AAEC/w==\"}", "{\"b\":\"\"}",
            "{\"at\":\"1970-01-01T00:00:00Z\"}", "{\"at\":\"2024-02-29T23:59:59.123456789+05:30\"}",
            "{\"at\":\"0001-01-01T00:00:00Z\"}", "{\"sv\":\"\"}", "{\"i64v\":\"0\"}", "{\"bv\":false}",
            "{\"u32v\":7}", "{\"bytesv\":\"YQ==\"}", "{\"names\":[]}", "{\"names\":[\"a\",\"\",\"b\"]}",
            "{\"counts\":[1,\"-2\",3]}", "{\"deltas\":[-1,0,1]}", "{\"times\":[\"2000-01-01T00:00:00Z\"]}",
            "{\"children\":[{},{\"s\":\"x\",\"children\":[{\"i32\":1}]}]}", "{\"maybe\":\"\"}",
            "{\"left\":\"l\"}", "{\"right\":{\"right\":{}}}", "{\"camel_case_name\":\"a\"}",
            "{\"camelCaseName\":\"a\"}", "{\"parent\":{\"parent\":{\"s\":\"deep\"}}}",
            "{ \"s\" : \"a\" , \"i32\" : 1 , \"names\" : [ \"x\" , \"y\" ] }",
    })
    void readsDirectlyWhatJsonFormatReadsTheSame(String json) throws Exception {
        final Message direct = parser.parseDirectly(utf8(json), false);
        assertNotNull(direct, () -> "read without JsonFormat: " + json);
        assertEquals(jsonFormat(EVERYTHING, utf8(json)), direct);
        assertEquals(direct, DynamicMessage.parseFrom(EVERYTHING, parser.parseToWire(utf8(json))));
    }

    /** Input it leaves to JsonFormat: what it would read otherwise, or refuse, with its words. */
    @ParameterizedTest
    @ValueSource(strings = {
            "", " ", "[]", "\"s\"", "null", "{\"s\":null}", "{\"names\":null}", "{\"names\":[null]}",
            "{\"i32\":1.0}", "{\"i32\":1e2}", "{\"i32\":01}", "{\"i32\":\"01\"}", "{\"i32\":\" 1\"}",
            "{\"i32\":2147483648}", "{\"i32\":-2147483649}", "{\"u32\":-1}", "{\"u32\":4294967296}",
            "{\"u64\":-1}", "{\"u64\":\"18446744073709551616\"}", "{\"i64\":9223372036854775808}",
            "{\"i64\":\"99999999999999999999999\"}", "{\"flag\":\"true\"}", "{\"flag\":1}", "{\"flag\":tru}",
            "{\"s\":1}", "{\"s\":true}", "{\"s\":{}}", "{\"s\":\"a\u0001\"}", "{\"s\":\"\\ud800\"}",
            "{\"s\":\"\\udc00\"}", "{\"s\":\"\\ud800\\u0041\"}", "{\"s\":\"\\x41\"}", "{\"s\":\"\\u12\"}",
            "{\"s\":'a'}", "{'s':\"a\"}", "{s:\"a\"}", "{\"s\":\"a\",}", "{\"s\":\"a\"", "{\"s\":\"a",
            "{\"s\":\"a\"} {", "{\"s\":\"a\"}x", "{\"s\":\"a\"/*c*/}", "{\"\\u0073\":\"a\"}",
            "{\"unknown\":1}", "{\"s\":\"a\",\"s\":\"b\"}", "{\"camel_case_name\":\"a\",\"camelCaseName\":\"b\"}",
            "{\"left\":\"l\",\"right\":{}}", "{\"left\":\"\",\"right\":{}}", "{\"names\":[\"a\"],\"names\":[]}",
            "{\"b\":\"AAEC_w==\"}", "{\"b\":\"AAE\"}", "{\"b\":\"AQ\"}", "{\"b\":\"AR==\"}", "{\"b\":\"A\\u0041==\"}",
            "{\"at\":\"1970-01-01T00:00:00\"}", "{\"at\":\"10000-01-01T00:00:00Z\"}", "{\"at\":1}",
            "{\"sv\":null}", "{\"u32v\":-1}", "{\"children\":{}}", "{\"children\":[1]}", "{\"parent\":[]}",
    })
    void leavesToJsonFormatWhatItDoesNotReadItself(String json) throws Exception {
        assertNull(parser.parseDirectly(utf8(json), false), () -> "left to JsonFormat: " + json);
        assertSameAsJsonFormat(EVERYTHING, utf8(json));
    }

    @Test
    void leavesMalformedUtf8ToJsonFormatWhichReadsItWithReplacementCharacters() throws Exception {
        final byte[][] inputs = {
                { '{', '"', 's', '"', ':', '"', (byte) 0xc3, '(', '"', '}' },          // a cut sequence
                { '{', '"', 's', '"', ':', '"', (byte) 0xc0, (byte) 0xaf, '"', '}' },  // overlong
                { '{', '"', 's', '"', ':', '"', (byte) 0xe0, (byte) 0x80, (byte) 0xaf, '"', '}' },
                { '{', '"', 's', '"', ':', '"', (byte) 0xf0, (byte) 0x80, (byte) 0x80, (byte) 0xaf, '"', '}' },
                { '{', '"', 's', '"', ':', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', '}' },  // a surrogate
                { '{', '"', 's', '"', ':', '"', (byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"', '}' },
                { '{', '"', 's', '"', ':', '"', (byte) 0xe2, (byte) 0x82 },
        };
        for (byte[] json : inputs) {
            assertNull(parser.parseDirectly(json, false));
            assertSameAsJsonFormat(EVERYTHING, json);
        }
    }

    @Test
    void leavesFieldsOfKindsItDoesNotReadToJsonFormat() throws Exception {
        final JsonParser measured = JsonParser.of(DynamicMessage.getDefaultInstance(TestMessages.WITH_DOUBLE));

        assertNull(measured.parseDirectly(utf8("{\"value\":0.5}"), false));
        assertEquals(0.5, measured.parse(utf8("{\"value\":0.5}"))
                                  .getField(TestMessages.WITH_DOUBLE.findFieldByName("value")));
        assertNotNull(measured.parseDirectly(utf8("{}"), false));
    }

    @Test
    void leavesMessagesNestedDeeperThanItsLimitToJsonFormat() throws Exception {
        final String deep = "{\"parent\":".repeat(40) + "{}" + "}".repeat(40);

        assertNull(parser.parseDirectly(utf8(deep), false));
        assertSameAsJsonFormat(EVERYTHING, utf8(deep));
    }

    @Test
    void readsABlankBodyAsTheDefaultMessageAndABlankFrameAsJsonFormatDoes() throws Exception {
        for (String blank : new String[] { "", " \n\t", "\u2003" }) {
            assertEquals(DynamicMessage.getDefaultInstance(EVERYTHING), parser.parseBody(utf8(blank)));
            assertSameAsJsonFormat(EVERYTHING, utf8(blank));
        }
        assertThrows(InvalidProtocolBufferException.class, () -> parser.parse(new byte[0]));
    }

    /**
     * Mutated JSON, valid and not: whatever this parser reads itself equals what JsonFormat reads,
     * and the rest ends as JsonFormat ends it.
     */
    @Test
    void agreesWithJsonFormatOnMutatedInput() throws Exception {
        final Random random = new Random(5);
        final JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
        final byte[] alphabet = utf8("{}[]\":,\\ -01239eEtrufalsn.\u00e9u");
        int direct = 0;
        for (int i = 0; i < 20_000; i++) {
            final byte[] json = utf8(printer.print(TestMessages.randomEverything(random)));
            final int mutations = random.nextInt(3);
            byte[] mutated = json;
            for (int m = 0; m < mutations && mutated.length > 0; m++) {
                mutated = mutate(random, mutated, alphabet);
            }
            if (parser.parseDirectly(mutated, false) != null) {
                direct++;
            }
            assertSameAsJsonFormat(EVERYTHING, mutated);
        }
        // The unmutated third, and a few mutations that stay valid, are read directly.
        assertTrue(direct > 6000, "read directly: " + direct);
    }

    private static byte[] mutate(Random random, byte[] json, byte[] alphabet) {
        final int at = random.nextInt(json.length);
        final byte replacement = alphabet[random.nextInt(alphabet.length)];
        switch (random.nextInt(3)) {
            case 0: {
                final byte[] changed = json.clone();
                changed[at] = replacement;
                return changed;
            }
            case 1: {
                final byte[] longer = new byte[json.length + 1];
                System.arraycopy(json, 0, longer, 0, at);
                longer[at] = replacement;
                System.arraycopy(json, at, longer, at + 1, json.length - at);
                return longer;
            }
            default: {
                final byte[] shorter = new byte[json.length - 1];
                System.arraycopy(json, 0, shorter, 0, at);
                System.arraycopy(json, at + 1, shorter, at, json.length - at - 1);
                return shorter;
            }
        }
    }

    private static void assertReadsDirectly(DynamicMessage message, byte[] json) throws InvalidProtocolBufferException {
        final Message direct = parser.parseDirectly(json, false);
        assertNotNull(direct, () -> "read without JsonFormat: " + new String(json, StandardCharsets.UTF_8));
        assertEquals(message, direct, () -> new String(json, StandardCharsets.UTF_8));
        assertEquals(message, DynamicMessage.parseFrom(message.getDescriptorForType(), parser.parseToWire(json)),
                     () -> "as wire: " + new String(json, StandardCharsets.UTF_8));
    }

    /**
     * Parses as the gateway does and as JsonFormat does: the same message, or the same error; and
     * the wire format the gateway sends on for a frame reads as JsonFormat's message serialized
     * (where a lone surrogate has become "?").
     */
    private static void assertSameAsJsonFormat(Descriptor type, byte[] json) {
        final JsonParser ours = JsonParser.of(DynamicMessage.getDefaultInstance(type));
        assertEquals(outcome(() -> jsonFormat(type, json)), outcome(() -> ours.parse(json)),
                     () -> new String(json, StandardCharsets.UTF_8));
        assertEquals(outcome(() -> DynamicMessage.parseFrom(type, jsonFormat(type, json).toByteArray())),
                     outcome(() -> DynamicMessage.parseFrom(type, ours.parseToWire(json))),
                     () -> "as wire: " + new String(json, StandardCharsets.UTF_8));
    }

    private interface Parse {
        Message run() throws InvalidProtocolBufferException;
    }

    private static Object outcome(Parse parse) {
        try {
            return parse.run();
        } catch (InvalidProtocolBufferException e) {
            return "refused: " + e.getMessage();
        }
    }

    private static Message jsonFormat(Descriptor type, byte[] json) throws InvalidProtocolBufferException {
        final DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
        JsonFormat.parser().merge(new String(json, StandardCharsets.UTF_8), builder);
        return builder.build();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
