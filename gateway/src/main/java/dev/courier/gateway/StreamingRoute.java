package dev.courier.gateway;

import java.util.concurrent.atomic.AtomicReferenceArray;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;

import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketFrameType;

import io.grpc.MethodDescriptor.MethodType;

/** One streaming method as a WebSocket sees it: on raw bytes, with its message types for JSON. */
final class StreamingRoute {

    final io.grpc.MethodDescriptor<byte[], byte[]> method;
    final MethodType type;
    private final Descriptor input;
    private final Descriptor output;
    private final JsonParser parser;
    private final JsonPrinter printer;
    // Subscribers of a topic render the same messages at slightly different times: room for the
    // recent thousands of them keeps one rendering per message even when they lag apart.
    private final AtomicReferenceArray<Rendered> rendered = new AtomicReferenceArray<>(4096);

    StreamingRoute(MethodDescriptor method) {
        input = method.getInputType();
        output = method.getOutputType();
        parser = JsonParser.of(DynamicMessage.getDefaultInstance(input));
        printer = JsonPrinter.of(output, JsonPrinter.Style.PROTO_NAMES_WITH_DEFAULTS);
        type = GrpcForwarder.typeOf(method);
        this.method = GrpcForwarder.bytesMethod(method);
    }

    /** The request made of the query parameters that name string fields of it. */
    byte[] fromQuery(QueryParams params) {
        final DynamicMessage.Builder request = DynamicMessage.newBuilder(input);
        for (String name : params.names()) {
            final FieldDescriptor field = input.findFieldByName(name);
            if (field != null && field.getJavaType() == FieldDescriptor.JavaType.STRING && !field.isRepeated()) {
                request.setField(field, params.get(name));
            }
        }
        return request.build().toByteArray();
    }

    /** Whether a query parameter names a field of the request. */
    boolean namesField(QueryParams params) {
        for (String name : params.names()) {
            if (input.findFieldByName(name) != null) {
                return true;
            }
        }
        return false;
    }

    /** Whether a client's frame holds a message: text, or binary (some tools send their JSON so). */
    static boolean carriesMessage(WebSocketFrame frame) {
        return frame.type() == WebSocketFrameType.TEXT || frame.type() == WebSocketFrameType.BINARY;
    }

    /** The request a client sent as JSON in a frame; a binary frame is read as UTF-8 text. */
    byte[] fromFrame(WebSocketFrame frame) throws InvalidProtocolBufferException {
        return parser.parseToWire(frame.array());
    }

    /**
     * Renders a message for its socket, as the UTF-8 of its JSON. A message Streams publishes
     * reaches every subscriber as one shared array, so it is rendered and encoded once and the
     * bytes reused for the others.
     */
    byte[] toJson(byte[] message) {
        final int slot = System.identityHashCode(message) & (rendered.length() - 1);
        final Rendered cached = rendered.get(slot);
        if (cached != null && cached.message == message) {
            return cached.json;
        }
        final byte[] json = print(message);
        rendered.set(slot, new Rendered(message, json));
        return json;
    }

    private byte[] print(byte[] message) {
        try {
            return printer.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("A service sent an unreadable " + output.getFullName(), e);
        }
    }

    /** A message and its JSON text in UTF-8. */
    private record Rendered(byte[] message, byte[] json) {}
}
