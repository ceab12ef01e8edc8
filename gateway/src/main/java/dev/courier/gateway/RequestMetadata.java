package dev.courier.gateway;

import java.util.Locale;
import java.util.Set;

import com.linecorp.armeria.common.RequestHeaders;

import io.grpc.Metadata;

/**
 * The gRPC metadata of a call made for an HTTP request: its application headers, as a gRPC
 * client would have sent them ({@code chat-id}, {@code authorization}, {@code micro-namespace}).
 * Headers of HTTP itself, of the transports and binary ({@code -bin}) headers are left out.
 */
final class RequestMetadata {

    private static final Set<String> EXCLUDED = Set.of(
            "host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te",
            "content-type", "content-length", "content-encoding", "accept", "accept-encoding",
            "accept-language", "user-agent", "origin", "referer", "cookie", "expect", "http2-settings",
            "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol",
            "connect-protocol-version", "connect-timeout-ms", "cache-control", "pragma");

    private RequestMetadata() {}

    static Metadata of(RequestHeaders headers) {
        final Metadata metadata = new Metadata();
        headers.forEach((name, value) -> put(metadata, name.toString(), value));
        return metadata;
    }

    /** Adds one header, unless it is one of HTTP's or the transports'. */
    static void put(Metadata metadata, String name, String value) {
        final String key = name.toLowerCase(Locale.ROOT);
        if (key.isEmpty() || key.charAt(0) == ':' || EXCLUDED.contains(key) || key.startsWith("grpc-") ||
            key.startsWith("x-forwarded-") || key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
            return;
        }
        metadata.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);
    }
}
