package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import com.google.protobuf.Descriptors;


import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;

/**
 * Serves a gRPC service by forwarding each call, message by message and without decoding, to
 * the same service behind a {@link Channel}.
 */
final class GrpcForwarder {

    /** Passes messages through as the bytes they are on the wire. */
    static final Marshaller<byte[]> BYTES = new Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private GrpcForwarder() {}

    /** The gRPC method of a method of the contracts, with its messages passed as bytes. */
    static MethodDescriptor<byte[], byte[]> bytesMethod(Descriptors.MethodDescriptor method) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                               .setType(typeOf(method))
                               .setFullMethodName(MethodDescriptor.generateFullMethodName(
                                       method.getService().getFullName(), method.getName()))
                               .setRequestMarshaller(BYTES)
                               .setResponseMarshaller(BYTES)
                               .build();
    }

    /** Whether a method of the contracts streams requests, responses, both or neither. */
    static MethodType typeOf(Descriptors.MethodDescriptor method) {
        if (method.isClientStreaming()) {
            return method.isServerStreaming() ? MethodType.BIDI_STREAMING : MethodType.CLIENT_STREAMING;
        }
        return method.isServerStreaming() ? MethodType.SERVER_STREAMING : MethodType.UNARY;
    }

    /** Returns a service with the methods of the given one, each forwarded through the channel. */
    static ServerServiceDefinition forward(ServiceDescriptor service, Channel channel) {
        requireNonNull(channel, "channel");
        final ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(service.getName())
                                                                      .setSchemaDescriptor(
                                                                              service.getSchemaDescriptor());
        for (MethodDescriptor<?, ?> method : service.getMethods()) {
            final MethodDescriptor<byte[], byte[]> bytes = method.toBuilder(BYTES, BYTES).build();
            descriptor.addMethod(bytes);
        }
        final ServiceDescriptor forwarded = descriptor.build();
        final ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(forwarded);
        for (MethodDescriptor<?, ?> method : forwarded.getMethods()) {
            @SuppressWarnings("unchecked")
            final MethodDescriptor<byte[], byte[]> bytes = (MethodDescriptor<byte[], byte[]>) method;
            builder.addMethod(bytes, new Handler(bytes, channel));
        }
        return builder.build();
    }

    private static final class Handler implements ServerCallHandler<byte[], byte[]> {

        private final MethodDescriptor<byte[], byte[]> method;
        private final Channel channel;

        Handler(MethodDescriptor<byte[], byte[]> method, Channel channel) {
            this.method = method;
            this.channel = channel;
        }

        @Override
        public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> serverCall, Metadata headers) {
            final ClientCall<byte[], byte[]> clientCall = channel.newCall(method, CallOptions.DEFAULT);
            clientCall.start(new ClientCall.Listener<>() {
                private boolean headersSent;

                @Override
                public void onHeaders(Metadata responseHeaders) {
                    headersSent = true;
                    serverCall.sendHeaders(responseHeaders);
                }

                @Override
                public void onMessage(byte[] message) {
                    if (!headersSent) {
                        onHeaders(new Metadata());
                    }
                    serverCall.sendMessage(message);
                    clientCall.request(1);
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    serverCall.close(status, trailers);
                }
            }, headers);
            clientCall.request(1);
            serverCall.request(1);
            return new ServerCall.Listener<>() {
                @Override
                public void onMessage(byte[] message) {
                    clientCall.sendMessage(message);
                    serverCall.request(1);
                }

                @Override
                public void onHalfClose() {
                    clientCall.halfClose();
                }

                @Override
                public void onCancel() {
                    clientCall.cancel("The client cancelled", null);
                }
            };
        }
    }
}
