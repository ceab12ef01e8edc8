package dev.courier.gateway;

import java.util.Random;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Timestamp;
import com.google.protobuf.TimestampProto;
import com.google.protobuf.WrappersProto;

/** Message types built without a .proto file, and random messages of them, for the JSON tests. */
final class TestMessages {

    /** A message with every kind of field the JSON printer and parser handle themselves. */
    static final Descriptor EVERYTHING = everything();
    /** A message with a double, which only JsonFormat handles. */
    static final Descriptor WITH_DOUBLE = withDouble();

    private TestMessages() {}

    /** A message of {@link #EVERYTHING} with random fields set, nested at most two deep. */
    static DynamicMessage randomEverything(Random random) {
        return randomEverything(random, 0);
    }

    private static DynamicMessage randomEverything(Random random, int depth) {
        final DynamicMessage.Builder message = DynamicMessage.newBuilder(EVERYTHING);
        for (FieldDescriptor field : EVERYTHING.getFields()) {
            if (random.nextInt(3) == 0) {
                continue;
            }
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE &&
                field.getMessageType() == EVERYTHING && depth >= 2) {
                continue;
            }
            if (field.isRepeated()) {
                for (int n = random.nextInt(4); n > 0; n--) {
                    message.addRepeatedField(field, randomValue(random, field, depth));
                }
            } else if (field.getRealContainingOneof() == null || !message.hasOneof(field.getRealContainingOneof())) {
                message.setField(field, randomValue(random, field, depth));
            }
        }
        return message.build();
    }

    private static Object randomValue(Random random, FieldDescriptor field, int depth) {
        switch (field.getJavaType()) {
            case STRING:
                return randomString(random);
            case BYTE_STRING:
                final byte[] bytes = new byte[random.nextInt(8)];
                random.nextBytes(bytes);
                return ByteString.copyFrom(bytes);
            case BOOLEAN:
                return random.nextBoolean();
            case INT:
                return random.nextBoolean() ? random.nextInt() : random.nextInt(3) - 1;
            case LONG:
                return random.nextBoolean() ? random.nextLong() : random.nextInt(3) - 1L;
            default:
                final Descriptor type = field.getMessageType();
                if (type == EVERYTHING) {
                    return randomEverything(random, depth + 1);
                }
                if (type.getFullName().equals("google.protobuf.Timestamp")) {
                    return Timestamp.newBuilder()
                                    .setSeconds(random.nextInt(Integer.MAX_VALUE) * (random.nextBoolean() ? 1L : -1L))
                                    .setNanos(random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000))
                                    .build();
                }
                final DynamicMessage.Builder wrapper = DynamicMessage.newBuilder(type);
                final FieldDescriptor value = type.findFieldByNumber(1);
                if (random.nextBoolean()) {
                    wrapper.setField(value, randomValue(random, value, depth));
                }
                return wrapper.build();
        }
    }

    private static String randomString(Random random) {
        final String alphabet = "ab\"\\/\n\t\u0001\u001f<>&='é€😀 ";
        final StringBuilder text = new StringBuilder();
        for (int n = random.nextInt(6); n > 0; n--) {
            final int at = random.nextInt(alphabet.length());
            if (Character.isHighSurrogate(alphabet.charAt(at))) {
                text.append(alphabet, at, at + 2);
            } else if (!Character.isLowSurrogate(alphabet.charAt(at))) {
                text.append(alphabet.charAt(at));
            }
        }
        return text.toString();
    }

    private static Descriptor everything() {
        final DescriptorProto.Builder type = DescriptorProto.newBuilder().setName("Everything");
        final Type[] scalars = {
                Type.TYPE_STRING, Type.TYPE_BYTES, Type.TYPE_BOOL,
                Type.TYPE_INT32, Type.TYPE_UINT32, Type.TYPE_SINT32, Type.TYPE_FIXED32, Type.TYPE_SFIXED32,
                Type.TYPE_INT64, Type.TYPE_UINT64, Type.TYPE_SINT64, Type.TYPE_FIXED64, Type.TYPE_SFIXED64 };
        final String[] names = { "s", "b", "flag", "i32", "u32", "s32", "f32", "sf32",
                                 "i64", "u64", "s64", "f64", "sf64" };
        for (int i = 0; i < scalars.length; i++) {
            type.addField(field(names[i], i + 1, scalars[i], null, Label.LABEL_OPTIONAL));
        }
        type.addField(field("at", 14, Type.TYPE_MESSAGE, ".google.protobuf.Timestamp", Label.LABEL_OPTIONAL))
            .addField(field("sv", 15, Type.TYPE_MESSAGE, ".google.protobuf.StringValue", Label.LABEL_OPTIONAL))
            .addField(field("i64v", 16, Type.TYPE_MESSAGE, ".google.protobuf.Int64Value", Label.LABEL_OPTIONAL))
            .addField(field("bv", 17, Type.TYPE_MESSAGE, ".google.protobuf.BoolValue", Label.LABEL_OPTIONAL))
            .addField(field("u32v", 18, Type.TYPE_MESSAGE, ".google.protobuf.UInt32Value", Label.LABEL_OPTIONAL))
            .addField(field("bytesv", 19, Type.TYPE_MESSAGE, ".google.protobuf.BytesValue", Label.LABEL_OPTIONAL))
            .addField(field("names", 20, Type.TYPE_STRING, null, Label.LABEL_REPEATED))
            .addField(field("counts", 21, Type.TYPE_INT64, null, Label.LABEL_REPEATED))
            .addField(field("deltas", 22, Type.TYPE_SINT32, null, Label.LABEL_REPEATED))
            .addField(field("children", 23, Type.TYPE_MESSAGE, ".Everything", Label.LABEL_REPEATED))
            .addField(field("times", 24, Type.TYPE_MESSAGE, ".google.protobuf.Timestamp", Label.LABEL_REPEATED))
            .addField(field("maybe", 25, Type.TYPE_STRING, null, Label.LABEL_OPTIONAL)
                              .setOneofIndex(1).setProto3Optional(true))
            .addField(field("left", 26, Type.TYPE_STRING, null, Label.LABEL_OPTIONAL).setOneofIndex(0))
            .addField(field("right", 27, Type.TYPE_MESSAGE, ".Everything", Label.LABEL_OPTIONAL).setOneofIndex(0))
            .addField(field("camel_case_name", 28, Type.TYPE_STRING, null, Label.LABEL_OPTIONAL))
            .addField(field("parent", 5000, Type.TYPE_MESSAGE, ".Everything", Label.LABEL_OPTIONAL))
            .addOneofDecl(OneofDescriptorProto.newBuilder().setName("choice"))
            .addOneofDecl(OneofDescriptorProto.newBuilder().setName("_maybe"));
        return build(type, "everything.proto");
    }

    private static Descriptor withDouble() {
        return build(DescriptorProto.newBuilder().setName("Measured")
                                    .addField(field("value", 1, Type.TYPE_DOUBLE, null, Label.LABEL_OPTIONAL)),
                     "measured.proto");
    }

    private static FieldDescriptorProto.Builder field(String name, int number, Type type, String typeName,
                                                      Label label) {
        final FieldDescriptorProto.Builder field = FieldDescriptorProto.newBuilder().setName(name)
                                                                       .setNumber(number).setType(type)
                                                                       .setLabel(label);
        return typeName == null ? field : field.setTypeName(typeName);
    }

    private static Descriptor build(DescriptorProto.Builder type, String fileName) {
        final FileDescriptorProto file = FileDescriptorProto.newBuilder()
                                                            .setName(fileName).setSyntax("proto3")
                                                            .addDependency("google/protobuf/timestamp.proto")
                                                            .addDependency("google/protobuf/wrappers.proto")
                                                            .addMessageType(type)
                                                            .build();
        try {
            return FileDescriptor.buildFrom(file, new FileDescriptor[] {
                    TimestampProto.getDescriptor(), WrappersProto.getDescriptor() })
                                 .getMessageTypes().get(0);
        } catch (DescriptorValidationException e) {
            throw new IllegalStateException(e);
        }
    }
}
