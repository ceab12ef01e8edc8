package dev.courier.gateway;

import java.util.Set;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

import com.linecorp.armeria.common.annotation.Nullable;

/**
 * The kinds of field value that {@link JsonPrinter} and {@link JsonParser} translate between the
 * wire format and proto3 JSON themselves, with how each is encoded on the wire. Values of other
 * kinds (floating point, enums, maps, groups, and the well-known types other than
 * {@code Timestamp} and the integer, bool, string and bytes wrappers) have JSON forms that only
 * {@code JsonFormat} is trusted with.
 */
enum ProtoJsonKind {
    STRING, BYTES, BOOL,
    INT32, UINT32, SINT32, FIXED32, SFIXED32,
    INT64, UINT64, SINT64, FIXED64, SFIXED64,
    MESSAGE, TIMESTAMP, WRAPPER;

    private static final Set<String> WRAPPERS = Set.of(
            "google.protobuf.StringValue", "google.protobuf.BytesValue", "google.protobuf.BoolValue",
            "google.protobuf.Int32Value", "google.protobuf.UInt32Value",
            "google.protobuf.Int64Value", "google.protobuf.UInt64Value");

    /** The kind of a field's values, or null where they are left to {@code JsonFormat}. */
    @Nullable
    static ProtoJsonKind of(FieldDescriptor field) {
        if (field.isMapField()) {
            return null;
        }
        switch (field.getType()) {
            case STRING: return STRING;
            case BYTES: return BYTES;
            case BOOL: return BOOL;
            case INT32: return INT32;
            case UINT32: return UINT32;
            case SINT32: return SINT32;
            case FIXED32: return FIXED32;
            case SFIXED32: return SFIXED32;
            case INT64: return INT64;
            case UINT64: return UINT64;
            case SINT64: return SINT64;
            case FIXED64: return FIXED64;
            case SFIXED64: return SFIXED64;
            case MESSAGE:
                return of(field.getMessageType());
            default:
                return null;
        }
    }

    /** The kind of a message type's values, or null where they are left to {@code JsonFormat}. */
    @Nullable
    static ProtoJsonKind of(Descriptor type) {
        final String name = type.getFullName();
        if ("google.protobuf.Timestamp".equals(name)) {
            return TIMESTAMP;
        }
        if (WRAPPERS.contains(name)) {
            return WRAPPER;
        }
        // Any, Duration, FieldMask, Struct, Value, ListValue and the float wrappers have JSON
        // forms of their own that JsonFormat knows; Empty is a message like any other.
        return name.startsWith("google.protobuf.") && !"google.protobuf.Empty".equals(name) ? null : MESSAGE;
    }

    /** The kind of a wrapper's value, for a field of kind {@link #WRAPPER}. */
    static ProtoJsonKind ofWrapped(FieldDescriptor wrapper) {
        return of(wrapper.getMessageType().findFieldByNumber(1));
    }

    /** The wire type a value of this kind is written with. */
    int wireType() {
        switch (this) {
            case FIXED32:
            case SFIXED32:
                return 5;
            case FIXED64:
            case SFIXED64:
                return 1;
            case STRING:
            case BYTES:
            case MESSAGE:
            case TIMESTAMP:
            case WRAPPER:
                return 2;
            default:
                return 0;
        }
    }

    /** Whether a repeated field of this kind may come packed. */
    boolean packable() {
        return wireType() != 2;
    }

    /** Whether JSON writes this 64-bit kind as a string. */
    boolean quoted() {
        return this == INT64 || this == UINT64 || this == SINT64 || this == FIXED64 || this == SFIXED64;
    }

    /**
     * Thrown where a translation meets what it does not handle itself; the message then goes to
     * {@code JsonFormat}, which also reports input that is not valid at all. Shared, and without a
     * stack trace: it only steers.
     */
    static final class Unhandled extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final Unhandled INSTANCE = new Unhandled();

        private Unhandled() {
            super(null, null, false, false);
        }
    }
}
