package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.util.JsonFormat;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.annotation.Nullable;

/**
 * Writes a message type as proto3 JSON, in UTF-8, straight from the message's fields or its wire
 * bytes.
 *
 * <p>{@link JsonFormat}'s printer reads a message through reflection, formats timestamps with
 * {@code SimpleDateFormat} and escapes strings one at a time through Gson; on a response of 25
 * messages that was most of what a JSON call cost. This printer reads the message's fields, or its
 * wire format, once, with a plan made per type up front (field names already encoded, defaults
 * already rendered), and writes strings' UTF-8 with no step between. Its output parses to what
 * {@code JsonFormat} prints, with one difference in form: it escapes only what JSON requires
 * ({@code "}, {@code \} and control characters), where Gson also writes {@code < > & = '} as
 * {@code \}{@code uXXXX}.
 *
 * <p>Types with a field it does not render itself (floating point, enums, maps, groups and the
 * well-known types other than {@code Timestamp} and the integer, bool, string and bytes
 * wrappers), and wire bytes it does not expect (fields out of order, a singular field twice,
 * malformed UTF-8), are printed by {@code JsonFormat} with the same settings instead.
 */
final class JsonPrinter {

    /** How field names are written and whether fields at their default value are. */
    enum Style {
        /** The .proto file's names, with every field without presence printed: micro's JSON API. */
        PROTO_NAMES_WITH_DEFAULTS,
        /** lowerCamelCase names, default values left out: the canonical form the Connect protocol uses. */
        JSON_NAMES_WITHOUT_DEFAULTS
    }

    /** The most room a printer starts a message's JSON with, whatever the one before took. */
    private static final int MAX_SIZE_HINT = 64 * 1024;

    private final Plan plan;
    private final Descriptor type;
    private final JsonFormat.Printer fallback;
    /** Room to start a message's JSON with: what the last one took. Shared by threads, racily: it is a hint. */
    private int sizeHint = 256;

    private JsonPrinter(Descriptor type, Style style) {
        this.type = type;
        // A Timestamp or a wrapper has a JSON form of its own, even at the top.
        final boolean printable = ProtoJsonKind.of(type) == ProtoJsonKind.MESSAGE && supported(type, new HashSet<>());
        plan = printable ? new PlanBuilder(style).plan(type) : null;
        final JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
        fallback = style == Style.PROTO_NAMES_WITH_DEFAULTS
                   ? printer.preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence() : printer;
    }

    /** Returns a printer of the given message type. */
    static JsonPrinter of(Descriptor type, Style style) {
        return new JsonPrinter(requireNonNull(type, "type"), requireNonNull(style, "style"));
    }

    /**
     * The JSON of a message of this printer's type, given as its wire bytes.
     *
     * @throws InvalidProtocolBufferException if the bytes are not a message of this type
     * @throws IllegalArgumentException if a value has no JSON form, such as a timestamp out of range
     */
    byte[] print(byte[] message) throws InvalidProtocolBufferException {
        final Writer writer = write(message);
        if (writer != null) {
            return Arrays.copyOf(writer.out, writer.length);
        }
        return fallback.print(DynamicMessage.parseFrom(type, message)).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The JSON of a message of this printer's type, ready to send.
     *
     * @throws IllegalArgumentException if a value has no JSON form, such as a timestamp out of range
     */
    HttpData print(Message message) throws InvalidProtocolBufferException {
        Writer writer = writeFields(message);
        if (writer == null) {
            writer = write(message.toByteArray());
        }
        if (writer != null) {
            return HttpData.wrap(writer.out, 0, writer.length);
        }
        return HttpData.ofUtf8(fallback.print(message));
    }

    /**
     * The JSON this printer writes from the message's fields, or null where it leaves the message
     * to its wire bytes: one of another descriptor than this printer's, or with a field it does not
     * write.
     */
    @Nullable
    byte[] printDirectly(Message message) {
        final Writer writer = writeFields(message);
        return writer != null ? Arrays.copyOf(writer.out, writer.length) : null;
    }

    /** The JSON this printer writes itself, or null where it leaves the message to {@code JsonFormat}. */
    @Nullable
    byte[] printDirectly(byte[] message) {
        final Writer writer = write(message);
        return writer != null ? Arrays.copyOf(writer.out, writer.length) : null;
    }

    /**
     * Writes a message from its fields, through the getters of its class: serializing it to read
     * its wire bytes back cost over a third of printing a ListMessages answer, as the UTF-8 of its
     * strings was measured, then written, then copied. Returns null for a message of another
     * descriptor than the printer's, and for one it leaves to the wire's way (such as a
     * timestamp out of range, which that way leaves to {@code JsonFormat} in turn).
     */
    @Nullable
    private Writer writeFields(Message message) {
        if (plan == null || message.getDescriptorForType() != type) {
            return null;
        }
        final Writer writer = new Writer(null, sizeHint);
        try {
            writer.message(plan, message);
        } catch (ProtoJsonKind.Unhandled | IllegalArgumentException | ClassCastException e) {
            // Such as a timestamp out of range; the last two, a field holding a message of another
            // descriptor than the plan's.
            return null;
        }
        // The next answer of this type is likely about as long: start with room for it. Written
        // only when it moves much, as event loops on other cores read it too.
        if (writer.length > sizeHint || writer.length < sizeHint / 4) {
            sizeHint = Math.min(writer.length + writer.length / 8 + 64, MAX_SIZE_HINT);
        }
        return writer;
    }

    @Nullable
    private Writer write(byte[] message) {
        if (plan == null) {
            return null;
        }
        // Field names make JSON longer than the wire bytes; twice is usually enough.
        final Writer writer = new Writer(message, message.length * 2 + 64);
        try {
            writer.message(plan, message.length);
        } catch (ProtoJsonKind.Unhandled e) {
            return null;
        }
        return writer;
    }

    // ---- which types are printed here

    private static boolean supported(Descriptor type, Set<Descriptor> seen) {
        if (!seen.add(type)) {
            return true;
        }
        for (FieldDescriptor field : type.getFields()) {
            final ProtoJsonKind kind = ProtoJsonKind.of(field);
            if (kind == null || kind == ProtoJsonKind.MESSAGE && !supported(field.getMessageType(), seen)) {
                return false;
            }
        }
        return true;
    }

    // ---- plans

    /** The fields of a message type, in field number order, and a lookup by number. */
    private static final class Plan {
        Field[] fields;
        Field[] byNumber;

        /** The field of a number, or null for one the type does not know. */
        Field find(int number) {
            if (number < byNumber.length) {
                return number >= 0 ? byNumber[number] : null;
            }
            for (Field field : fields) {
                if (field.number == number) {
                    return field;
                }
            }
            return null;
        }
    }

    private static final class Field {
        final FieldDescriptor descriptor;
        final int number;
        final ProtoJsonKind kind;
        final boolean repeated;
        /** Whether it tells set from default; the descriptor works that out anew at each call. */
        final boolean presence;
        /** {@code "name":} in UTF-8. */
        final byte[] name;
        /** What to write when the field is absent ({@code "name":default}), or null to leave it out. */
        final byte[] absent;
        /** A present value that equals the default is left out (the style prints no defaults). */
        final boolean skipDefault;
        /** For MESSAGE; for WRAPPER, the kind of its value is {@link #valueKind}, its field {@link #value}. */
        Plan message;
        ProtoJsonKind valueKind;
        FieldDescriptor value;
        /** For TIMESTAMP: its fields, to read one that is no generated {@code Timestamp}. */
        FieldDescriptor seconds;
        FieldDescriptor nanos;

        Field(FieldDescriptor descriptor, ProtoJsonKind kind, byte[] name, byte[] absent, boolean skipDefault) {
            this.descriptor = descriptor;
            number = descriptor.getNumber();
            repeated = descriptor.isRepeated();
            presence = descriptor.hasPresence();
            this.kind = kind;
            this.name = name;
            this.absent = absent;
            this.skipDefault = skipDefault;
        }
    }

    private static final class PlanBuilder {
        private final Style style;
        private final Map<Descriptor, Plan> plans = new HashMap<>();

        PlanBuilder(Style style) {
            this.style = style;
        }

        Plan plan(Descriptor type) {
            final Plan existing = plans.get(type);
            if (existing != null) {
                return existing;
            }
            final Plan plan = new Plan();
            plans.put(type, plan);
            final List<FieldDescriptor> sorted = new ArrayList<>(type.getFields());
            sorted.sort(Comparator.comparingInt(FieldDescriptor::getNumber));
            final int maxNumber = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1).getNumber();
            // Field numbers reach 2^29; a sparse type keeps its lookup in a map-sized array only
            // up to a point, past which a lookup array would waste more than it saves.
            plan.byNumber = new Field[Math.min(maxNumber, 4096) + 1];
            plan.fields = new Field[sorted.size()];
            for (int i = 0; i < sorted.size(); i++) {
                final Field field = field(sorted.get(i));
                plan.fields[i] = field;
                if (field.number < plan.byNumber.length) {
                    plan.byNumber[field.number] = field;
                }
            }
            return plan;
        }

        private Field field(FieldDescriptor descriptor) {
            final ProtoJsonKind kind = ProtoJsonKind.of(descriptor);
            final boolean withDefaults = style == Style.PROTO_NAMES_WITH_DEFAULTS;
            final String name = withDefaults ? descriptor.getName() : descriptor.getJsonName();
            final byte[] nameBytes = ('"' + name + "\":").getBytes(StandardCharsets.UTF_8);
            byte[] absent = null;
            if (withDefaults && (descriptor.isRepeated() || !descriptor.hasPresence())) {
                absent = concat(nameBytes, descriptor.isRepeated() ? "[]" : defaultValue(kind));
            }
            final boolean skipDefault = !withDefaults && !descriptor.isRepeated() && !descriptor.hasPresence();
            final Field field = new Field(descriptor, kind, nameBytes, absent, skipDefault);
            if (kind == ProtoJsonKind.MESSAGE) {
                field.message = plan(descriptor.getMessageType());
            } else if (kind == ProtoJsonKind.WRAPPER) {
                field.valueKind = ProtoJsonKind.ofWrapped(descriptor);
                field.value = descriptor.getMessageType().findFieldByNumber(1);
            } else if (kind == ProtoJsonKind.TIMESTAMP) {
                field.seconds = descriptor.getMessageType().findFieldByNumber(1);
                field.nanos = descriptor.getMessageType().findFieldByNumber(2);
            }
            return field;
        }

        private static String defaultValue(ProtoJsonKind kind) {
            switch (kind) {
                case STRING:
                case BYTES:
                    return "\"\"";
                case BOOL:
                    return "false";
                default:
                    return kind.quoted() ? "\"0\"" : "0";
            }
        }

        private static byte[] concat(byte[] name, String value) {
            final byte[] bytes = Arrays.copyOf(name, name.length + value.length());
            for (int i = 0; i < value.length(); i++) {
                bytes[name.length + i] = (byte) value.charAt(i);
            }
            return bytes;
        }
    }

    // ---- writing

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LONG_MIN = "-9223372036854775808".getBytes(StandardCharsets.US_ASCII);
    private static final long MIN_TIMESTAMP_SECONDS = -62_135_596_800L;   // 0001-01-01T00:00:00Z
    private static final long MAX_TIMESTAMP_SECONDS = 253_402_300_799L;   // 9999-12-31T23:59:59Z

    /**
     * What each byte of a string is to JSON: 0 where it is copied as it is, or one of these. The
     * kinds are bits, so that a string's kinds or-ed together say whether any byte is non-ASCII.
     */
    private static final byte ESCAPED = 1;
    private static final byte NON_ASCII = 2;
    private static final byte[] BYTE_KINDS = new byte[256];

    static {
        for (int b = 0; b < 0x20; b++) {
            BYTE_KINDS[b] = ESCAPED;
        }
        BYTE_KINDS['"'] = ESCAPED;
        BYTE_KINDS['\\'] = ESCAPED;
        for (int b = 0x80; b < 0x100; b++) {
            BYTE_KINDS[b] = NON_ASCII;
        }
    }

    /**
     * One message being written, appended to {@link #out}: read from its wire bytes at {@link
     * #position}, or from its fields.
     */
    private static final class Writer {
        @Nullable
        private final byte[] in;
        private int position;
        byte[] out;
        int length;

        Writer(@Nullable byte[] in, int capacity) {
            this.in = in;
            out = new byte[capacity];
        }

        /** A message from its fields, in the order of their numbers, as on the wire. */
        void message(Plan plan, MessageOrBuilder message) {
            append('{');
            boolean first = true;
            for (Field field : plan.fields) {
                final FieldDescriptor descriptor = field.descriptor;
                if (field.repeated) {
                    final int count = message.getRepeatedFieldCount(descriptor);
                    if (count == 0) {
                        first = absent(field, first);
                        continue;
                    }
                    first = name(field, first);
                    append('[');
                    for (int i = 0; i < count; i++) {
                        if (i > 0) {
                            append(',');
                        }
                        fieldValue(field, field.kind, message.getRepeatedField(descriptor, i));
                    }
                    append(']');
                    continue;
                }
                final Object value;
                if (field.presence) {
                    value = message.hasField(descriptor) ? message.getField(descriptor) : null;
                } else {
                    // Without presence, a field at its default is not on the wire either.
                    value = message.getField(descriptor);
                }
                if (value == null || !field.presence && isDefault(value)) {
                    first = absent(field, first);
                    continue;
                }
                first = name(field, first);
                fieldValue(field, field.kind, value);
            }
            append('}');
        }

        private static boolean isDefault(Object value) {
            if (value instanceof String string) {
                return string.isEmpty();
            }
            if (value instanceof ByteString bytes) {
                return bytes.isEmpty();
            }
            if (value instanceof Boolean bool) {
                return !bool;
            }
            if (value instanceof Integer number) {
                return number == 0;
            }
            if (value instanceof Long number) {
                return number == 0;
            }
            throw ProtoJsonKind.Unhandled.INSTANCE;
        }

        /** Writes {@code "name":}, after a comma unless it is the first field written; returns false. */
        private boolean name(Field field, boolean first) {
            if (!first) {
                append(',');
            }
            append(field.name);
            return false;
        }

        /** A field's value as its generated class gives it. */
        private void fieldValue(Field field, ProtoJsonKind kind, Object value) {
            switch (kind) {
                case STRING:
                    string((String) value);
                    return;
                case BYTES:
                    base64(((ByteString) value).toByteArray());
                    return;
                case MESSAGE:
                    message(field.message, (MessageOrBuilder) value);
                    return;
                case TIMESTAMP:
                    timestamp(field, (MessageOrBuilder) value);
                    return;
                case WRAPPER:
                    fieldValue(null, field.valueKind, ((MessageOrBuilder) value).getField(field.value));
                    return;
                case BOOL:
                    append((Boolean) value ? TRUE : FALSE);
                    return;
                case FIXED32:
                case UINT32:
                    decimal(Integer.toUnsignedLong((Integer) value), false);
                    return;
                case SFIXED32:
                case INT32:
                case SINT32:
                    decimal((Integer) value, false);
                    return;
                case FIXED64:
                case UINT64:
                    unsigned((Long) value);
                    return;
                default:    // INT64, SINT64, SFIXED64
                    decimal((Long) value, true);
            }
        }

        /** A generated Timestamp, or a dynamic one (a forwarded answer's), read through the plan's fields. */
        private void timestamp(Field field, MessageOrBuilder value) {
            if (value instanceof Timestamp timestamp) {
                timestamp(timestamp.getSeconds(), timestamp.getNanos());
                return;
            }
            timestamp((Long) value.getField(field.seconds), (Integer) value.getField(field.nanos));
        }

        /**
         * A string in UTF-8, escaped where JSON requires: the bytes serializing the message would
         * have written, a lone surrogate as {@code ?}. The JDK encodes a Latin-1 string with a
         * copy; writing one character at a time here was no faster than serializing the message.
         */
        private void string(String value) {
            final byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            quoted(utf8, 0, utf8.length);
        }

        void message(Plan plan, int end) {
            append('{');
            boolean first = true;
            int next = 0;                 // plan.fields[next] is the first field not yet written
            int lastNumber = 0;
            Field openArray = null;
            while (position < end) {
                final long tag = varint(end);
                final int number = (int) (tag >>> 3);
                final int wireType = (int) (tag & 7);
                if (number == 0) {
                    // Not a field: the bytes are no message, as JsonFormat's parser will say.
                    throw ProtoJsonKind.Unhandled.INSTANCE;
                }
                final Field field = plan.find(number);
                if (field == null) {
                    skip(wireType, end);
                    continue;
                }
                if (field == openArray) {
                    element(field, wireType, end);
                    continue;
                }
                if (number <= lastNumber) {
                    // Out of order, or a singular field twice (the last would win): JsonFormat
                    // merges such messages as a parser does.
                    throw ProtoJsonKind.Unhandled.INSTANCE;
                }
                lastNumber = number;
                if (openArray != null) {
                    append(']');
                    openArray = null;
                }
                while (plan.fields[next] != field) {
                    first = absent(plan.fields[next++], first);
                }
                next++;
                if (field.skipDefault && isDefault(wireType, end)) {
                    skip(wireType, end);
                    continue;
                }
                if (!first) {
                    append(',');
                }
                first = false;
                append(field.name);
                if (field.repeated) {
                    append('[');
                    openArray = field;
                    element(field, wireType, end);
                } else {
                    expect(wireType, field.kind);
                    value(field, field.kind, end);
                }
            }
            if (openArray != null) {
                append(']');
            }
            while (next < plan.fields.length) {
                first = absent(plan.fields[next++], first);
            }
            append('}');
        }

        private boolean absent(Field field, boolean first) {
            if (field.absent == null) {
                return first;
            }
            if (!first) {
                append(',');
            }
            append(field.absent);
            return false;
        }

        /** Whether the value at the position is zero or empty; reads nothing. */
        private boolean isDefault(int wireType, int end) {
            final int start = position;
            final boolean zero;
            switch (wireType) {
                case 0:
                case 2:
                    zero = varint(end) == 0;
                    break;
                case 1:
                    zero = fixed64(end) == 0;
                    break;
                case 5:
                    zero = fixed32(end) == 0;
                    break;
                default:
                    throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            position = start;
            return zero;
        }

        /** One element of a repeated field: a value, or a packed run of them. */
        private void element(Field field, int wireType, int end) {
            // No value's JSON ends with '[', so it marks an array still empty.
            final boolean continued = out[length - 1] != '[';
            if (wireType == 2 && field.kind.packable()) {
                final int packedEnd = size(end) + position;
                boolean firstInRun = !continued;
                while (position < packedEnd) {
                    if (!firstInRun) {
                        append(',');
                    }
                    firstInRun = false;
                    value(field, field.kind, packedEnd);
                }
                return;
            }
            expect(wireType, field.kind);
            if (continued) {
                append(',');
            }
            value(field, field.kind, end);
        }

        private static void expect(int wireType, ProtoJsonKind kind) {
            if (wireType != kind.wireType()) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
        }

        private void value(Field field, ProtoJsonKind kind, int end) {
            switch (kind) {
                case STRING:
                    string(size(end) + position);
                    return;
                case BYTES:
                    bytes(size(end) + position);
                    return;
                case MESSAGE:
                    message(field.message, size(end) + position);
                    return;
                case TIMESTAMP:
                    timestamp(size(end) + position);
                    return;
                case WRAPPER:
                    wrapper(field.valueKind, size(end) + position);
                    return;
                case BOOL:
                    append(varint(end) != 0 ? TRUE : FALSE);
                    return;
                case FIXED32:
                    decimal(Integer.toUnsignedLong(fixed32(end)), false);
                    return;
                case SFIXED32:
                    decimal(fixed32(end), false);
                    return;
                case FIXED64:
                    unsigned(fixed64(end));
                    return;
                case SFIXED64:
                    decimal(fixed64(end), true);
                    return;
                case INT32:
                    decimal((int) varint(end), false);
                    return;
                case UINT32:
                    decimal(varint(end) & 0xFFFF_FFFFL, false);
                    return;
                case SINT32: {
                    final int raw = (int) varint(end);
                    decimal((raw >>> 1) ^ -(raw & 1), false);
                    return;
                }
                case INT64:
                    decimal(varint(end), true);
                    return;
                case UINT64:
                    unsigned(varint(end));
                    return;
                default: {   // SINT64
                    final long raw = varint(end);
                    decimal((raw >>> 1) ^ -(raw & 1), true);
                }
            }
        }

        /** A wrapper's value: its field 1, or the default when that is absent. */
        private void wrapper(ProtoJsonKind valueKind, int end) {
            int valueStart = -1;
            while (position < end) {
                final long tag = varint(end);
                final int wireType = (int) (tag & 7);
                if (tag >>> 3 == 1) {
                    expect(wireType, valueKind);
                    valueStart = position;
                }
                skip(wireType, end);
            }
            if (valueStart < 0) {
                append(PlanBuilder.defaultValue(valueKind).getBytes(StandardCharsets.US_ASCII));
                return;
            }
            position = valueStart;
            value(null, valueKind, end);
            position = end;
        }

        /** A Timestamp read from the wire. */
        private void timestamp(int end) {
            long seconds = 0;
            long nanos = 0;
            while (position < end) {
                final long tag = varint(end);
                if (tag == (1 << 3)) {
                    seconds = varint(end);
                } else if (tag == (2 << 3)) {
                    nanos = (int) varint(end);
                } else {
                    skip((int) (tag & 7), end);
                }
            }
            timestamp(seconds, nanos);
        }

        /** RFC 3339 in UTC, with 0, 3, 6 or 9 digits of fraction, as JsonFormat writes it. */
        private void timestamp(long seconds, long nanos) {
            if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS ||
                nanos < 0 || nanos > 999_999_999) {
                // JsonFormat refuses these, with its own message.
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            final long days = Math.floorDiv(seconds, 86_400);
            final int secondOfDay = (int) Math.floorMod(seconds, 86_400);
            // Days to a civil date in the proleptic Gregorian calendar, by eras of 400 years.
            final long shifted = days + 719_468;
            final long era = Math.floorDiv(shifted, 146_097);
            final long dayOfEra = shifted - era * 146_097;
            final long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
            final long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
            final long shiftedMonth = (5 * dayOfYear + 2) / 153;
            final int day = (int) (dayOfYear - (153 * shiftedMonth + 2) / 5 + 1);
            final int month = (int) (shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9);
            final int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
            ensure(32);
            out[length++] = '"';
            digits(year, 4);
            out[length++] = '-';
            digits(month, 2);
            out[length++] = '-';
            digits(day, 2);
            out[length++] = 'T';
            digits(secondOfDay / 3600, 2);
            out[length++] = ':';
            digits(secondOfDay / 60 % 60, 2);
            out[length++] = ':';
            digits(secondOfDay % 60, 2);
            if (nanos != 0) {
                out[length++] = '.';
                if (nanos % 1_000_000 == 0) {
                    digits((int) (nanos / 1_000_000), 3);
                } else if (nanos % 1000 == 0) {
                    digits((int) (nanos / 1000), 6);
                } else {
                    digits((int) nanos, 9);
                }
            }
            out[length++] = 'Z';
            out[length++] = '"';
        }

        /** Writes a non-negative number in exactly {@code count} digits; room is ensured by the caller. */
        private void digits(int value, int count) {
            for (int i = length + count - 1; i >= length; i--) {
                out[i] = (byte) ('0' + value % 10);
                value /= 10;
            }
            length += count;
        }

        /** A string's UTF-8 from the wire. */
        private void string(int end) {
            final int start = position;
            final int kinds = quoted(in, start, end);
            if ((kinds & NON_ASCII) != 0 && !UnsafeByteOperations.unsafeWrap(in, start, end - start).isValidUtf8()) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            position = end;
        }

        /**
         * Writes {@code utf8[start, end)} in quotes, copied as it is but for what JSON must escape;
         * returns the kinds of its bytes, or-ed.
         */
        private int quoted(byte[] utf8, int start, int end) {
            ensure(end - start + 2);
            out[length++] = '"';
            // Reads the bytes and copies them in runs between the characters to escape: most
            // strings are one run.
            int kinds = 0;
            int run = start;
            for (int i = start; i < end; i++) {
                final byte b = utf8[i];
                final byte kind = BYTE_KINDS[b & 0xFF];
                if (kind == ESCAPED) {
                    copy(utf8, run, i);
                    escape(b, end - i);
                    run = i + 1;
                }
                kinds |= kind;
            }
            copy(utf8, run, end);
            out[length++] = '"';
            return kinds;
        }

        /** Copies {@code from[start, end)} as it is; room is ensured by the caller. */
        private void copy(byte[] from, int start, int end) {
            System.arraycopy(from, start, out, length, end - start);
            length += end - start;
        }

        /** Writes an escaped character, with room for it and the {@code remaining} bytes of its string. */
        private void escape(byte b, int remaining) {
            ensure(remaining + 7);
            out[length++] = '\\';
            switch (b) {
                case '"':
                case '\\':
                    out[length++] = b;
                    break;
                case '\b':
                    out[length++] = 'b';
                    break;
                case '\f':
                    out[length++] = 'f';
                    break;
                case '\n':
                    out[length++] = 'n';
                    break;
                case '\r':
                    out[length++] = 'r';
                    break;
                case '\t':
                    out[length++] = 't';
                    break;
                default:
                    out[length++] = 'u';
                    out[length++] = '0';
                    out[length++] = '0';
                    out[length++] = HEX[b >> 4];
                    out[length++] = HEX[b & 0xF];
            }
        }

        private void bytes(int end) {
            base64(Arrays.copyOfRange(in, position, end));
            position = end;
        }

        private void base64(byte[] value) {
            final byte[] encoded = Base64.getEncoder().encode(value);
            ensure(encoded.length + 2);
            out[length++] = '"';
            System.arraycopy(encoded, 0, out, length, encoded.length);
            length += encoded.length;
            out[length++] = '"';
        }

        private void decimal(long value, boolean quoted) {
            ensure(22);
            if (quoted) {
                out[length++] = '"';
            }
            if (value == Long.MIN_VALUE) {
                append(LONG_MIN);
            } else {
                if (value < 0) {
                    out[length++] = '-';
                    value = -value;
                }
                int count = 1;
                for (long rest = value / 10; rest != 0; rest /= 10) {
                    count++;
                }
                for (int i = length + count - 1; i >= length; i--) {
                    out[i] = (byte) ('0' + value % 10);
                    value /= 10;
                }
                length += count;
            }
            if (quoted) {
                out[length++] = '"';
            }
        }

        private void unsigned(long value) {
            if (value >= 0) {
                decimal(value, true);
                return;
            }
            append('"');
            append(Long.toUnsignedString(value).getBytes(StandardCharsets.US_ASCII));
            append('"');
        }

        private long varint(int end) {
            long value = 0;
            for (int shift = 0; shift < 64 && position < end; shift += 7) {
                final byte b = in[position++];
                value |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw ProtoJsonKind.Unhandled.INSTANCE;
        }

        /** A length prefix, checked against what is left before {@code end}. */
        private int size(int end) {
            final long size = varint(end);
            if (size < 0 || size > end - position) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            return (int) size;
        }

        private int fixed32(int end) {
            if (end - position < 4) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            final int value = (in[position] & 0xFF) | (in[position + 1] & 0xFF) << 8 |
                              (in[position + 2] & 0xFF) << 16 | (in[position + 3] & 0xFF) << 24;
            position += 4;
            return value;
        }

        private long fixed64(int end) {
            if (end - position < 8) {
                throw ProtoJsonKind.Unhandled.INSTANCE;
            }
            final long low = Integer.toUnsignedLong(fixed32(end));
            return low | (long) fixed32(end) << 32;
        }

        /** Steps over a value of a field this printer does not write. */
        private void skip(int wireType, int end) {
            switch (wireType) {
                case 0:
                    varint(end);
                    return;
                case 1:
                    fixed64(end);
                    return;
                case 2: {
                    final int size = size(end);
                    position += size;
                    return;
                }
                case 5:
                    fixed32(end);
                    return;
                default:
                    throw ProtoJsonKind.Unhandled.INSTANCE;
            }
        }

        private void append(char c) {
            ensure(1);
            out[length++] = (byte) c;
        }

        private void append(byte[] bytes) {
            ensure(bytes.length);
            System.arraycopy(bytes, 0, out, length, bytes.length);
            length += bytes.length;
        }

        private void ensure(int more) {
            if (length + more > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, length + more));
            }
        }
    }
}
