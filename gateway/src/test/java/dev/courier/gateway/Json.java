package dev.courier.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

/** Reads JSON responses into the generated messages, rejecting unknown fields. */
final class Json {

    private Json() {}

    @SuppressWarnings("unchecked")
    static <T extends Message> T parse(String json, Message.Builder builder) {
        try {
            JsonFormat.parser().merge(json, builder);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("Not a " + builder.getDescriptorForType().getName() + ": " + json, e);
        }
        return (T) builder.build();
    }
}
