package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;

import dev.courier.proto.threads.ListMessagesResponse;
import dev.courier.proto.threads.Message;

class JsonPrinterTest {

    private static final Descriptor EVERYTHING = TestMessages.EVERYTHING;
    private static final Descriptor WITH_DOUBLE = TestMessages.WITH_DOUBLE;

    @ParameterizedTest
    @EnumSource(JsonPrinter.Style.class)
    void printsRandomMessagesAsJsonFormatDoesWithoutFallingBack(JsonPrinter.Style style) throws Exception {
        final JsonPrinter printer = JsonPrinter.of(EVERYTHING, style);
        final Random random = new Random(42);
        for (int i = 0; i < 2000; i++) {
            final DynamicMessage message = TestMessages.randomEverything(random);
            final byte[] json = printer.printDirectly(message.toByteArray());
            assertNotNull(json, () -> "printed without JsonFormat: " + message);
            assertEquals(JsonParser.parseString(jsonFormat(style).print(message)), parse(json),
                         () -> "message " + message);
            assertEquals(text(json), text(printer.printDirectly(message)), () -> "from its fields: " + message);
            // Parsed, its timestamps are dynamic messages too, as a forwarded answer's are.
            final DynamicMessage parsed = DynamicMessage.parseFrom(EVERYTHING, message.toByteArray());
            assertEquals(text(json), text(printer.printDirectly(parsed)), () -> "parsed: " + message);
        }
    }

    @Test
    void printsTheContractsResponsesByteForByteWhereNoHtmlCharacterIsEscaped() throws Exception {
        final ListMessagesResponse response =
                ListMessagesResponse.newBuilder()
                                    .addMessages(Message.newBuilder().setId("m1").setConversationId("c")
                                                        .setAuthorId("ann").setText("héllo \"wörld\" 😀\n\t\\")
                                                        .setSentAt(Timestamp.newBuilder().setSeconds(1_700_000_000)
                                                                            .setNanos(123_456_000)))
                                    .addMessages(Message.newBuilder().setId("m2"))
                                    .build();
        final JsonPrinter printer =
                JsonPrinter.of(ListMessagesResponse.getDescriptor(), JsonPrinter.Style.PROTO_NAMES_WITH_DEFAULTS);

        final String expected =
                "{\"messages\":[{\"id\":\"m1\",\"author_id\":\"ann\",\"conversation_id\":\"c\"," +
                "\"text\":\"héllo \\\"wörld\\\" 😀\\n\\t\\\\\",\"sent_at\":\"2023-11-14T22:13:20.123456Z\"}," +
                "{\"id\":\"m2\",\"author_id\":\"\",\"conversation_id\":\"\",\"text\":\"\"}]}";
        assertEquals(expected, jsonFormat(JsonPrinter.Style.PROTO_NAMES_WITH_DEFAULTS).print(response));
        assertEquals(expected, text(printer.printDirectly(response.toByteArray())));
        assertEquals(expected, text(printer.printDirectly(response)));
        assertEquals(expected, printer.print(response).toStringUtf8());
        assertEquals("{\"messages\":[]}", text(printer.printDirectly(new byte[0])));
    }

    @Test
    void escapesOnlyWhatJsonRequires() throws Exception {
        final FieldDescriptor s = EVERYTHING.findFieldByName("s");
        final DynamicMessage message = DynamicMessage.newBuilder(EVERYTHING)
                                                     .setField(s, "<a href='x'>&=</a>\u0000\u0001\u001f\u007f\b\f\r")
                                                     .build();
        final JsonPrinter printer = JsonPrinter.of(EVERYTHING, JsonPrinter.Style.JSON_NAMES_WITHOUT_DEFAULTS);

        final String expected = "{\"s\":\"<a href='x'>&=</a>\\u0000\\u0001\\u001f\u007f\\b\\f\\r\"}";
        assertEquals(expected, text(printer.printDirectly(message.toByteArray())));
        assertEquals(expected, text(printer.printDirectly(message)));
    }

    @Test
    void writesEveryTimestampAsJsonFormatDoes() throws Exception {
        final FieldDescriptor at = EVERYTHING.findFieldByName("at");
        final JsonPrinter printer = JsonPrinter.of(EVERYTHING, JsonPrinter.Style.JSON_NAMES_WITHOUT_DEFAULTS);
        final Random random = new Random(7);
        final long min = Timestamps.MIN_VALUE.getSeconds();
        final long max = Timestamps.MAX_VALUE.getSeconds();
        final long[] edges = { min, max, 0, -1, 951_782_400 /* 2000-02-29 */, 4_107_542_399L /* 2100-02-28 */ };
        for (int i = 0; i < 20_000; i++) {
            final long seconds = i < edges.length ? edges[i] : min + (long) (random.nextDouble() * (max - min));
            final int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            final Timestamp timestamp = Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build();
            final DynamicMessage message = DynamicMessage.newBuilder(EVERYTHING).setField(at, timestamp).build();

            final String expected = "{\"at\":\"" + Timestamps.toString(timestamp) + "\"}";
            assertEquals(expected, text(printer.printDirectly(message.toByteArray())));
            assertEquals(expected, text(printer.printDirectly(message)));
        }
    }

    @Test
    void leavesWhatItDoesNotWriteToJsonFormat() throws Exception {
        final JsonPrinter withDouble = JsonPrinter.of(WITH_DOUBLE, JsonPrinter.Style.PROTO_NAMES_WITH_DEFAULTS);
        final DynamicMessage measured = DynamicMessage.newBuilder(WITH_DOUBLE)
                                                      .setField(WITH_DOUBLE.findFieldByName("value"), 0.1)
                                                      .build();
        assertNull(withDouble.printDirectly(measured.toByteArray()));
        assertEquals("{\"value\":0.1}", text(withDouble.print(measured.toByteArray())));

        // A timestamp on its own is a string, as JsonFormat prints it; not an object of its fields.
        final JsonPrinter timestamps = JsonPrinter.of(Timestamp.getDescriptor(), JsonPrinter.Style.PROTO_NAMES_WITH_DEFAULTS);
        final byte[] epochPlusOne = Timestamp.newBuilder().setSeconds(1).build().toByteArray();
        assertNull(timestamps.printDirectly(epochPlusOne));
        assertEquals("\"1970-01-01T00:00:01Z\"", text(timestamps.print(epochPlusOne)));

        final JsonPrinter printer = JsonPrinter.of(EVERYTHING, JsonPrinter.Style.PROTO_NAMES_WITH_DEFAULTS);
        // A singular field twice (the last wins) and fields out of number order.
        final byte[] twice = concat(wire(1, "first"), wire(1, "second"), wire(4, 7), wire(3, 1));
        assertNull(printer.printDirectly(twice));
        assertEquals(JsonParser.parseString(jsonFormat(JsonPrinter.Style.PROTO_NAMES_WITH_DEFAULTS)
                                                    .print(DynamicMessage.parseFrom(EVERYTHING, twice))),
                     parse(printer.print(twice)));
        assertTrue(text(printer.print(twice)).contains("\"s\":\"second\""));
        // Malformed UTF-8 in a string.
        final byte[] malformed = concat(new byte[] { 1 << 3 | 2, 2, (byte) 0xC3, (byte) 0x28 });
        assertNull(printer.printDirectly(malformed));
        // A timestamp out of JSON's range is refused, as JsonFormat refuses it.
        final byte[] tooLate = DynamicMessage.newBuilder(EVERYTHING)
                                             .setField(EVERYTHING.findFieldByName("at"),
                                                       Timestamp.newBuilder().setSeconds(Long.MAX_VALUE / 2).build())
                                             .build().toByteArray();
        assertNull(printer.printDirectly(tooLate));
        assertThrows(IllegalArgumentException.class, () -> printer.print(tooLate));
        // Bytes that are not a message at all: a length past the end, and a field number 0.
        assertThrows(InvalidProtocolBufferException.class, () -> printer.print(new byte[] { 1 << 3 | 2, 100, 'x' }));
        final byte[] fieldZero = { 0 << 3 | 2, 1, 'x' };
        assertNull(printer.printDirectly(fieldZero));
        assertThrows(InvalidProtocolBufferException.class, () -> printer.print(fieldZero));
    }

    @Test
    void writesALoneSurrogateAsSerializingTheMessageDoes() throws Exception {
        final JsonPrinter printer =
                JsonPrinter.of(ListMessagesResponse.getDescriptor(), JsonPrinter.Style.JSON_NAMES_WITHOUT_DEFAULTS);
        for (String text : new String[] { "a\uD83Db", "a\uDE00b", "ab\uD83D", "\uDE00\uD83D\uDE00" }) {
            final ListMessagesResponse response =
                    ListMessagesResponse.newBuilder().addMessages(Message.newBuilder().setText(text)).build();

            // It has no UTF-8: serializing writes '?' for it, as String.getBytes does, and so does
            // JsonFormat's printer once its output is encoded.
            final String expected = "{\"messages\":[{\"text\":\"" + text.replaceAll("[\uD800-\uDFFF]", "?") + "\"}]}";
            assertEquals(expected, text(printer.printDirectly(response)));
            assertEquals(expected, text(printer.printDirectly(response.toByteArray())));
            assertEquals(expected, new String(jsonFormat(JsonPrinter.Style.JSON_NAMES_WITHOUT_DEFAULTS).print(response)
                                                      .getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        }
    }

    @Test
    void printsAMessageOfAnotherDescriptorOfItsTypeFromItsWireBytes() throws Exception {
        // The gateway's descriptors come from the contracts' descriptor set, not the generated classes.
        final Descriptor copy = Descriptors.FileDescriptor.buildFrom(
                Message.getDescriptor().getFile().toProto(),
                Message.getDescriptor().getFile().getDependencies().toArray(new Descriptors.FileDescriptor[0]))
                                                                  .findMessageTypeByName("ListMessagesResponse");
        final JsonPrinter printer = JsonPrinter.of(copy, JsonPrinter.Style.PROTO_NAMES_WITH_DEFAULTS);
        final ListMessagesResponse response =
                ListMessagesResponse.newBuilder().addMessages(Message.newBuilder().setId("m1").setText("hi")).build();

        assertNull(printer.printDirectly(response));
        assertEquals("{\"messages\":[{\"id\":\"m1\",\"author_id\":\"\",\"conversation_id\":\"\"," +
                     "\"text\":\"hi\"}]}", printer.print(response).toStringUtf8());
    }

    @Test
    void skipsFieldsItDoesNotKnow() throws Exception {
        final JsonPrinter printer = JsonPrinter.of(EVERYTHING, JsonPrinter.Style.JSON_NAMES_WITHOUT_DEFAULTS);
        final byte[] withUnknown = concat(wire(1, "kept"), wire(99, "unknown"), wire(100, 5),
                                          wire(out -> out.writeFixed64(101, -2)),
                                          wire(out -> out.writeFixed32(102, 7)));

        assertEquals("{\"s\":\"kept\"}", text(printer.printDirectly(withUnknown)));
    }

    @Test
    void leavesOutDefaultValuesSentOnTheWireInTheStyleWithoutDefaults() throws Exception {
        final JsonPrinter printer = JsonPrinter.of(EVERYTHING, JsonPrinter.Style.JSON_NAMES_WITHOUT_DEFAULTS);
        final byte[] zeros = concat(wire(1, ""), wire(4, 0), wire(28, "named"));

        assertEquals("{\"camelCaseName\":\"named\"}", text(printer.printDirectly(zeros)));
        assertTrue(text(JsonPrinter.of(EVERYTHING, JsonPrinter.Style.PROTO_NAMES_WITH_DEFAULTS).printDirectly(zeros))
                           .startsWith("{\"s\":\"\",\"b\":\"\",\"flag\":false,\"i32\":0,"));
    }

    // ---- messages

    private static JsonFormat.Printer jsonFormat(JsonPrinter.Style style) {
        final JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
        return style == JsonPrinter.Style.PROTO_NAMES_WITH_DEFAULTS
               ? printer.preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence() : printer;
    }

    private static JsonElement parse(byte[] json) {
        return JsonParser.parseString(text(json));
    }

    private static String text(byte[] json) {
        assertNotNull(json, "printed without JsonFormat");
        return new String(json, StandardCharsets.UTF_8);
    }

    private static byte[] wire(int number, String value) throws Exception {
        return wire(out -> out.writeString(number, value));
    }

    private static byte[] wire(int number, long value) throws Exception {
        return wire(out -> out.writeInt64(number, value));
    }

    private interface Write {
        void to(CodedOutputStream out) throws Exception;
    }

    private static byte[] wire(Write write) throws Exception {
        final ByteString.Output bytes = ByteString.newOutput();
        final CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        write.to(out);
        out.flush();
        return bytes.toByteString().toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        return Stream.of(parts).map(ByteString::copyFrom).reduce(ByteString.EMPTY, ByteString::concat).toByteArray();
    }
}
