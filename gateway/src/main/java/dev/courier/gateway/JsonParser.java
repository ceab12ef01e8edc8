package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;

import com.linecorp.armeria.common.annotation.Nullable;

/**
 * Reads proto3 JSON, in UTF-8, into messages of one type, as {@link JsonFormat}'s parser does.
 *
 * <p>{@code JsonFormat} builds a Gson tree of every request, with a 1 KiB {@code char} buffer and
 * a map of field names made afresh for each call, then sets each field through reflection: on
 * CreateMessage that was 3% of the server's CPU and an eighth of the bytes it allocated. This
 * parser reads the bytes once, writes the message's wire format as it goes (field names matched
 * against a plan made per type up front), and has the message's own parser read that.
 *
 * <p>It takes only input it is sure {@code JsonFormat} reads the same way: strict JSON, each field
 * once, by its .proto or its lowerCamelCase name, at most one field of a oneof, strings in valid
 * UTF-8, integers written as plain digits (quoted or not), bytes in padded standard base64, and
 * values of the kinds {@link ProtoJsonKind} names. Anything else (nulls, fractions and exponents,
 * escapes in names, floating point and enum fields, malformed input) is parsed by
 * {@code JsonFormat}, so that what is accepted, and every error with its message, stays as
 * {@code JsonFormat} has it.
 */
final class JsonParser {

    private static final JsonFormat.Parser fallback = JsonFormat.parser();
    /** Deeper messages are left to JsonFormat, whose own limit is 100. */
    private static final int MAX_DEPTH = 32;

    private final Message prototype;
    @Nullable
    private final Plan plan;

    private JsonParser(Message prototype) {
        this.prototype = prototype;
        final Descriptor type = prototype.getDescriptorForType();
        plan = ProtoJsonKind.of(type) == ProtoJsonKind.MESSAGE ? new PlanBuilder().plan(type) : null;
    }

    /** Returns a parser of messages of the prototype's type, built by the prototype's own builder and parser. */
    static JsonParser of(Message prototype) {
        return new JsonParser(requireNonNull(prototype, "prototype"));
    }

    /**
     * The message the JSON describes.
     *
     * @throws InvalidProtocolBufferException if it is not JSON of a message of this type
     */
    Message parse(byte[] json) throws InvalidProtocolBufferException {
        return parse(json, false);
    }

    /**
     * The message a request body describes, where no content, or only whitespace, is the default
     * message, as micro's JSON API takes it.
     *
     * @throws InvalidProtocolBufferException if it is not JSON of a message of this type
     */
    Message parseBody(byte[] json) throws InvalidProtocolBufferException {
        return parse(json, true);
    }

    private Message parse(byte[] json, boolean blankIsDefault) throws InvalidProtocolBufferException {
        final Message direct = parseDirectly(json, blankIsDefault);
        return direct != null ? direct : parseWithJsonFormat(json, blankIsDefault);
    }

    private Message parseWithJsonFormat(byte[] json, boolean blankIsDefault) throws InvalidProtocolBufferException {
        final String text = new String(json, StandardCharsets.UTF_8);
        final Message.Builder builder = prototype.newBuilderForType();
        if (!blankIsDefault || !text.isBlank()) {
            fallback.merge(text, builder);
        }
        return builder.build();
    }

    /**
     * The wire format of the message the JSON describes, for a caller that sends it on as bytes:
     * where this parser reads the JSON itself, the bytes it wrote, with no message built from them
     * to serialize again. They are what {@link #parse} returns, serialized.
     *
     * @throws InvalidProtocolBufferException if it is not JSON of a message of this type
     */
    byte[] parseToWire(byte[] json) throws InvalidProtocolBufferException {
        final Reader reader = read(json);
        if (reader != null) {
            return Arrays.copyOf(reader.out, reader.length);
        }
        return parseWithJsonFormat(json, false).toByteArray();
    }

    /** The message this parser reads itself, or null where it leaves the JSON to {@code JsonFormat}. */
    @Nullable
    Message parseDirectly(byte[] json, boolean blankIsDefault) {
        if (blankIsDefault && plan != null && Reader.skipWhitespace(json, 0) == json.length) {
            return prototype.getDefaultInstanceForType();
        }
        final Reader reader = read(json);
        if (reader == null) {
            return null;
        }
        try {
            return prototype.getParserForType().parseFrom(reader.out, 0, reader.length);
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    /** The JSON read into the wire format, or null where it is blank or left to {@code JsonFormat}. */
    @Nullable
    private Reader read(byte[] json) {
        if (plan == null) {
            return null;
        }
        final Reader reader = new Reader(json);
        try {
            if (reader.blank()) {
                return null;
            }
            reader.message(plan, 0);
            // JsonFormat reads the first value and ignores what follows it.
            return reader.blank() ? reader : null;
        } catch (ProtoJsonKind.Unhandled e) {
            return null;
        }
    }

    // ---- plans

    /** The fields of a message type, found by either of their JSON names. */
    private static final class Plan {
        /** Each field's names in UTF-8, with {@link #owners} saying whose each is. */
        byte[][] names;
        Field[] owners;

        @Nullable
        Field find(byte[] in, int from, int to) {
            final int length = to - from;
            for (int i = 0; i < names.length; i++) {
                final byte[] name = names[i];
                if (name.length == length && Arrays.equals(name, 0, length, in, from, to)) {
                    return owners[i];
                }
            }
            return null;
        }
    }

    private static final class Field {
        /** Null for a field whose values JsonFormat reads. */
        @Nullable
        final ProtoJsonKind kind;
        final boolean repeated;
        /** The field's tag on the wire, its number and wire type; for a repeated field, each element's. */
        final int tag;
        /** This field's bit among the type's fields, which say which were given. */
        final long bit;
        /** The bits of the fields of its oneof, this one's included; 0 outside a oneof. */
        long oneof;
        /** For MESSAGE, null when JsonFormat reads that type. For WRAPPER, its value's kind is {@link #valueKind}. */
        @Nullable
        Plan message;
        ProtoJsonKind valueKind;

        Field(@Nullable ProtoJsonKind kind, boolean repeated, int tag, long bit) {
            this.kind = kind;
            this.repeated = repeated;
            this.tag = tag;
            this.bit = bit;
        }
    }

    private static final class PlanBuilder {
        private final Map<Descriptor, Plan> plans = new HashMap<>();

        /** The plan of a type, or null for one with more fields than a mask holds. */
        @Nullable
        Plan plan(Descriptor type) {
            if (plans.containsKey(type)) {
                return plans.get(type);
            }
            final List<FieldDescriptor> fields = type.getFields();
            if (fields.size() > Long.SIZE) {
                plans.put(type, null);
                return null;
            }
            final Plan plan = new Plan();
            plans.put(type, plan);
            final List<byte[]> names = new ArrayList<>();
            final List<Field> owners = new ArrayList<>();
            final Map<OneofDescriptor, Long> oneofs = new HashMap<>();
            final Field[] byIndex = new Field[fields.size()];
            for (FieldDescriptor descriptor : fields) {
                final Field field = field(descriptor);
                byIndex[descriptor.getIndex()] = field;
                names.add(descriptor.getName().getBytes(StandardCharsets.UTF_8));
                owners.add(field);
                if (!descriptor.getJsonName().equals(descriptor.getName())) {
                    names.add(descriptor.getJsonName().getBytes(StandardCharsets.UTF_8));
                    owners.add(field);
                }
                final OneofDescriptor oneof = descriptor.getRealContainingOneof();
                if (oneof != null) {
                    oneofs.merge(oneof, field.bit, (a, b) -> a | b);
                }
            }
            for (FieldDescriptor descriptor : fields) {
                final OneofDescriptor oneof = descriptor.getRealContainingOneof();
                if (oneof != null) {
                    byIndex[descriptor.getIndex()].oneof = oneofs.get(oneof);
                }
            }
            plan.names = names.toArray(new byte[0][]);
            plan.owners = owners.toArray(new Field[0]);
            return plan;
        }

        private Field field(FieldDescriptor descriptor) {
            final ProtoJsonKind kind = ProtoJsonKind.of(descriptor);
            final int wireType = kind != null ? kind.wireType() : 0;
            final Field field = new Field(kind, descriptor.isRepeated(), descriptor.getNumber() << 3 | wireType,
                                          1L << descriptor.getIndex());
            if (kind == ProtoJsonKind.MESSAGE) {
                field.message = plan(descriptor.getMessageType());
            } else if (kind == ProtoJsonKind.WRAPPER) {
                field.valueKind = ProtoJsonKind.ofWrapped(descriptor);
            }
            return field;
        }
    }

    // ---- reading

    private static final int WRAPPED_VALUE = 1;
    private static final long MAX_UNSIGNED_TENTH = Long.divideUnsigned(-1L, 10);

    /** One JSON text being read from {@link #position}; its wire format is appended to {@link #out}. */
    private static final class Reader {
        private final byte[] in;
        private int position;
        byte[] out;
        int length;

        Reader(byte[] in) {
            this.in = in;
            // The wire format is shorter than its JSON, but for a few small negative integers.
            out = new byte[in.length + 16];
        }

        /** Skips whitespace; whether the input ends there. */
        boolean blank() {
            position = skipWhitespace(in, position);
            return position == in.length;
        }

        /** Where the first byte at or after {@code from} that is not JSON whitespace is, or the length. */
        static int skipWhitespace(byte[] in, int from) {
            int at = from;
            while (at < in.length) {
                final byte b = in[at];
                if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                    break;
                }
                at++;
            }
            return at;
        }

        void message(Plan plan, int depth) {
            if (depth > MAX_DEPTH) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            expect('{');
            if (next() == '}') {
                position++;
                return;
            }
            long given = 0;
            while (true) {
                final Field field = name(plan);
                if (field.kind == null || (given & (field.bit | field.oneof)) != 0) {
                    // A field JsonFormat reads, a field twice, or a second of one oneof (an
                    // error, with JsonFormat's message).
                    throw ProtoJsonKind.Unhandled.INSTANCE;
                }
                given |= field.bit;
                expect(':');
                if (field.repeated) {
                    array(field, depth);
                } else {
                    value(field.kind, field, field.tag, depth);
                }
                if (!more('}')) {
                    return;
                }
            }
        }

        /** Reads {@code "name"} and returns its field. */
        private Field name(Plan plan) {
            expect('"');
            final int start = position;
            while (position < in.length && in[position] != '"') {
                if (in[position] == '\\') {
                    throw ProtoJsonKind.Unhandled.INSTANCE;
                }
                position++;
            }
            final Field field = plan.find(in, start, position);
            if (field == null || position == in.length) {
                // An unknown name is an error, which JsonFormat words.
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            position++;
            return field;
        }

        private void array(Field field, int depth) {
            expect('[');
            if (next() == ']') {
                position++;
                return;
            }
            while (true) {
                value(field.kind, field, field.tag, depth);
                if (!more(']')) {
                    return;
                }
            }
        }

        /** Reads the comma before another member or element (true), or the bracket that closes them. */
        private boolean more(char close) {
            final byte after = next();
            position++;
            if (after != ',' && after != close) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            return after == ',';
        }

        /** Reads a value of the kind and appends it with the tag; {@code field} is null inside a wrapper. */
        private void value(ProtoJsonKind kind, @Nullable Field field, int tag, int depth) {
            next();
            switch (kind) {
                case STRING:
                    varint(tag);
                    string();
                    return;
                case BYTES:
                    varint(tag);
                    bytes();
                    return;
                case BOOL:
                    varint(tag);
                    varint(bool() ? 1 : 0);
                    return;
                case MESSAGE:
                    if (field.message == null) {
                        throw ProtoJsonKind.Unhandled.INSTANCE;
                    }
                    varint(tag);
                    final int messageStart = openLength();
                    message(field.message, depth + 1);
                    closeLength(messageStart);
                    return;
                case TIMESTAMP:
                    varint(tag);
                    timestamp();
                    return;
                case WRAPPER:
                    varint(tag);
                    final int wrapperStart = openLength();
                    value(field.valueKind, null, WRAPPED_VALUE << 3 | field.valueKind.wireType(), depth);
                    closeLength(wrapperStart);
                    return;
                default:
                    varint(tag);
                    integer(kind);
            }
        }

        private void string() {
            expect('"');
            final int start = openLength();
            while (true) {
                // Copies a run of printable ASCII at once; the rest byte by byte.
                final int run = position;
                while (position < in.length && in[position] >= 0x20 && in[position] != '"' && in[position] != '\\') {
                    position++;
                }
                if (position > run) {
                    ensure(position - run);
                    System.arraycopy(in, run, out, length, position - run);
                    length += position - run;
                }
                if (position == in.length) {
                    throw ProtoJsonKind.Unhandled.INSTANCE;
                }
                final byte b = in[position];
                if (b == '"') {
                    position++;
                    break;
                }
                if (b == '\\') {
                    escape();
                } else if (b < 0) {
                    utf8();
                } else {
                    // A raw control character, which strict JSON forbids.
                    throw ProtoJsonKind.Unhandled.INSTANCE;
                }
            }
            closeLength(start);
        }

        private void escape() {
            if (position + 1 >= in.length) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            final byte c = in[position + 1];
            position += 2;
            switch (c) {
                case '"': append('"'); return;
                case '\\': append('\\'); return;
                case '/': append('/'); return;
                case 'b': append('\b'); return;
                case 'f': append('\f'); return;
                case 'n': append('\n'); return;
                case 'r': append('\r'); return;
                case 't': append('\t'); return;
                case 'u':
                    int codePoint = hex4();
                    if (Character.isHighSurrogate((char) codePoint)) {
                        if (position + 1 >= in.length || in[position] != '\\' || in[position + 1] != 'u') {
                            throw ProtoJsonKind.Unhandled.INSTANCE;
                        }
                        position += 2;
                        final int low = hex4();
                        if (!Character.isLowSurrogate((char) low)) {
                            throw ProtoJsonKind.Unhandled.INSTANCE;
                        }
                        codePoint = Character.toCodePoint((char) codePoint, (char) low);
                    } else if (Character.isLowSurrogate((char) codePoint)) {
                        // Half a pair: JsonFormat keeps it, and the message cannot hold it in UTF-8.
                        throw ProtoJsonKind.Unhandled.INSTANCE;
                    }
                    appendUtf8(codePoint);
                    return;
                default:
                    throw ProtoJsonKind.Unhandled.INSTANCE;
            }
        }

        private int hex4() {
            if (position + 4 > in.length) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            int value = 0;
            for (int i = 0; i < 4; i++) {
                final int digit = Character.digit(in[position++], 16);
                if (digit < 0) {
                    throw ProtoJsonKind.Unhandled.INSTANCE;
                }
                value = value << 4 | digit;
            }
            return value;
        }

        /**
         * Copies one multi-byte UTF-8 sequence, checked as a decoder checks it: where it is
         * malformed, the text JsonFormat gets has U+FFFD in its place.
         */
        private void utf8() {
            final int lead = in[position] & 0xff;
            final int count;
            final int min;
            if (lead >= 0xc2 && lead <= 0xdf) {
                count = 1;
                min = 0x80;
            } else if (lead >= 0xe0 && lead <= 0xef) {
                count = 2;
                min = 0x800;
            } else if (lead >= 0xf0 && lead <= 0xf4) {
                count = 3;
                min = 0x10000;
            } else {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            if (position + count >= in.length) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            int codePoint = lead & (0x3f >> count);
            for (int i = 1; i <= count; i++) {
                final int next = in[position + i] & 0xff;
                if ((next & 0xc0) != 0x80) {
                    throw ProtoJsonKind.Unhandled.INSTANCE;
                }
                codePoint = codePoint << 6 | next & 0x3f;
            }
            if (codePoint < min || codePoint > Character.MAX_CODE_POINT ||
                codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            ensure(count + 1);
            System.arraycopy(in, position, out, length, count + 1);
            length += count + 1;
            position += count + 1;
        }

        /** Bytes as JsonFormat prints them: standard base64, padded, with nothing to escape. */
        private void bytes() {
            final String text = plainString();
            final byte[] decoded;
            try {
                decoded = Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            // Only the one canonical form: JsonFormat's decoder takes more, with rules of its own.
            if (!Base64.getEncoder().encodeToString(decoded).equals(text)) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            varint(decoded.length);
            ensure(decoded.length);
            System.arraycopy(decoded, 0, out, length, decoded.length);
            length += decoded.length;
        }

        private void timestamp() {
            final Timestamp timestamp;
            try {
                // What JsonFormat calls, so that the two agree on every form and range.
                timestamp = Timestamps.parse(plainString());
            } catch (ParseException e) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            final int start = openLength();
            if (timestamp.getSeconds() != 0) {
                varint(1 << 3);
                varint(timestamp.getSeconds());
            }
            if (timestamp.getNanos() != 0) {
                varint(2 << 3);
                varint(timestamp.getNanos());
            }
            closeLength(start);
        }

        /** A string of printable ASCII without escapes, as timestamps and base64 are. */
        private String plainString() {
            expect('"');
            final int start = position;
            while (position < in.length && in[position] != '"') {
                final byte b = in[position++];
                if (b < 0x20 || b == '\\') {
                    throw ProtoJsonKind.Unhandled.INSTANCE;
                }
            }
            if (position == in.length) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            return new String(in, start, position++ - start, StandardCharsets.US_ASCII);
        }

        private boolean bool() {
            if (matches("true")) {
                return true;
            }
            if (matches("false")) {
                return false;
            }
            throw ProtoJsonKind.Unhandled.INSTANCE;
        }

        private boolean matches(String literal) {
            final int end = position + literal.length();
            if (end > in.length) {
                return false;
            }
            for (int i = 0; i < literal.length(); i++) {
                if (in[position + i] != literal.charAt(i)) {
                    return false;
                }
            }
            if (end < in.length && !delimiter(in[end])) {
                return false;
            }
            position = end;
            return true;
        }

        /**
         * An integer of the kind, as a JSON number or a string of one: an optional minus and
         * digits, without leading zeros, in the kind's range.
         */
        private void integer(ProtoJsonKind kind) {
            final boolean quoted = in[position] == '"';
            if (quoted) {
                position++;
            }
            final boolean negative = position < in.length && in[position] == '-';
            if (negative) {
                position++;
            }
            final int start = position;
            // The digits' value as an unsigned 64-bit number, which holds every kind's range.
            long magnitude = 0;
            while (position < in.length && in[position] >= '0' && in[position] <= '9') {
                final int digit = in[position++] - '0';
                if (Long.compareUnsigned(magnitude, MAX_UNSIGNED_TENTH) > 0 ||
                    Long.compareUnsigned(magnitude * 10 + digit, magnitude * 10) < 0) {
                    throw ProtoJsonKind.Unhandled.INSTANCE;
                }
                magnitude = magnitude * 10 + digit;
            }
            final int digits = position - start;
            if (digits == 0 || digits > 1 && in[start] == '0') {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            if (quoted) {
                if (position == in.length || in[position] != '"') {
                    throw ProtoJsonKind.Unhandled.INSTANCE;
                }
                position++;
            } else if (position < in.length && !delimiter(in[position])) {
                // A fraction or an exponent.
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            final long number = negative ? -magnitude : magnitude;
            final boolean fits;
            switch (kind) {
                case INT32:
                case SINT32:
                case SFIXED32:
                    fits = negative ? Long.compareUnsigned(magnitude, 1L << 31) <= 0
                                    : Long.compareUnsigned(magnitude, Integer.MAX_VALUE) <= 0;
                    break;
                case UINT32:
                case FIXED32:
                    fits = magnitude == 0 || !negative && Long.compareUnsigned(magnitude, 0xffff_ffffL) <= 0;
                    break;
                case UINT64:
                case FIXED64:
                    fits = magnitude == 0 || !negative;
                    break;
                default:
                    fits = negative ? Long.compareUnsigned(magnitude, Long.MIN_VALUE) <= 0 : magnitude >= 0;
            }
            if (!fits) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            switch (kind) {
                case INT32:
                case INT64:
                case UINT32:
                case UINT64:
                    varint(number);
                    break;
                case SINT32:
                case SINT64:
                    varint(number << 1 ^ number >> 63);
                    break;
                case FIXED32:
                case SFIXED32:
                    fixed(number, 4);
                    break;
                default:
                    fixed(number, 8);
            }
        }

        private static boolean delimiter(byte b) {
            return b == ',' || b == '}' || b == ']' || b == ' ' || b == '\n' || b == '\r' || b == '\t';
        }

        /** Skips whitespace and returns the byte after it, without consuming it. */
        private byte next() {
            if (blank()) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            return in[position];
        }

        private void expect(char c) {
            if (next() != c) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            position++;
        }

        // ---- writing the wire format

        /** Leaves a byte for a length to come and returns where what it measures starts. */
        private int openLength() {
            ensure(1);
            length++;
            return length;
        }

        /** Writes the length of what was written since {@code start}, making room when it needs more than a byte. */
        private void closeLength(int start) {
            final int size = length - start;
            if (size < 0x80) {
                out[start - 1] = (byte) size;
                return;
            }
            final int extra = varintSize(size) - 1;
            ensure(extra);
            System.arraycopy(out, start, out, start + extra, size);
            length = start - 1;
            varint(size);
            length += size;
        }

        private static int varintSize(long value) {
            int size = 1;
            while ((value & ~0x7fL) != 0) {
                value >>>= 7;
                size++;
            }
            return size;
        }

        private void varint(long value) {
            ensure(10);
            while ((value & ~0x7fL) != 0) {
                out[length++] = (byte) (value & 0x7f | 0x80);
                value >>>= 7;
            }
            out[length++] = (byte) value;
        }

        private void fixed(long value, int bytes) {
            ensure(bytes);
            for (int i = 0; i < bytes; i++) {
                out[length++] = (byte) (value >>> 8 * i);
            }
        }

        private void appendUtf8(int codePoint) {
            ensure(4);
            if (codePoint < 0x80) {
                out[length++] = (byte) codePoint;
            } else if (codePoint < 0x800) {
                out[length++] = (byte) (0xc0 | codePoint >> 6);
                out[length++] = (byte) (0x80 | codePoint & 0x3f);
            } else if (codePoint < 0x10000) {
                out[length++] = (byte) (0xe0 | codePoint >> 12);
                out[length++] = (byte) (0x80 | codePoint >> 6 & 0x3f);
                out[length++] = (byte) (0x80 | codePoint & 0x3f);
            } else {
                out[length++] = (byte) (0xf0 | codePoint >> 18);
                out[length++] = (byte) (0x80 | codePoint >> 12 & 0x3f);
                out[length++] = (byte) (0x80 | codePoint >> 6 & 0x3f);
                out[length++] = (byte) (0x80 | codePoint & 0x3f);
            }
        }

        private void append(int b) {
            ensure(1);
            out[length++] = (byte) b;
        }

        private void ensure(int more) {
            if (length + more > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, length + more));
            }
        }
    }
}
