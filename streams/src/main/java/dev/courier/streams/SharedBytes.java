package dev.courier.streams;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor.Marshaller;

/**
 * Messages that are serialized once and sent as they are to every subscriber: a published
 * message becomes bytes when it is published, and each stream writes those same bytes. Within the
 * process (the gateway's WebSocket bridge) the array itself is handed over, not a copy.
 */
public final class SharedBytes {

    /** Sends an already serialized message as it is. */
    public static final Marshaller<byte[]> MARSHALLER = new Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new Stream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            return read(stream);
        }
    };

    private SharedBytes() {}

    /** Returns the bytes of a stream: the shared array itself when the stream is one of ours. */
    public static byte[] read(InputStream stream) {
        if (stream instanceof Stream) {
            return ((Stream) stream).array();
        }
        try {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class Stream extends ByteArrayInputStream implements KnownLength {

        Stream(byte[] bytes) {
            super(bytes);
        }

        byte[] array() {
            return buf;
        }
    }
}
