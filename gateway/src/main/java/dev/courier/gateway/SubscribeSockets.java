package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.google.protobuf.InvalidProtocolBufferException;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.stream.StreamWriter;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketFrameType;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceOptions;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketProtocolHandler;
import com.linecorp.armeria.server.websocket.WebSocketProtocolViolationException;
import com.linecorp.armeria.server.websocket.WebSocketService;
import com.linecorp.armeria.server.websocket.WebSocketUpgradeResult;

import dev.courier.proto.streams.StreamsGrpc;
import dev.courier.proto.streams.SubscribeRequest;
import dev.courier.streams.Streams;
import dev.courier.streams.bus.Bus;
import dev.courier.streams.bus.LoopFanout;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import io.netty.buffer.ByteBuf;

/**
 * Streams.Subscribe over WebSocket when Streams runs in this process: the sockets are fed from
 * the bus directly, with the contract of the other streaming sockets (the request from the query
 * or the first frame, each message a JSON text frame, an error as a JSON frame and then a close)
 * but without a gRPC call per socket.
 *
 * <p>Each message is rendered and framed once, and handed to each event loop once; the loop
 * writes it to all of its sockets of the topic in one task. Messages that arrived together go to
 * a socket in one write, which is what keeps a busy topic cheap: the frames are encoded here, and
 * the handshake and the client's frames are left to Armeria's WebSocket service.
 *
 * <p>Frames go to the socket as they come, and those the network has not yet taken are counted:
 * a client that stops reading is ended with {@code SLOW_CONSUMER} once it holds back as many as a
 * stream's queue takes, so its memory stays bounded.
 */
final class SubscribeSockets implements WebSocketService {

    private static final String METHOD = StreamsGrpc.getSubscribeMethod().getFullMethodName();
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final Streams streams;
    private final Auth auth;
    private final WebSocketService protocol;
    private final StreamingRoute route;
    private final int backlog;
    private final int checkEvery;
    private final Duration pingInterval;
    // A message reaches the sockets of every loop as one shared array: it is framed once.
    private final AtomicReferenceArray<Framed> framed = new AtomicReferenceArray<>(1024);
    // Each event loop joins its batches on its own thread.
    private final ThreadLocal<Joined> lastJoined = new ThreadLocal<>();

    /**
     * Serves Subscribe sockets; {@code protocol} is a WebSocket service built with the settings
     * every socket has (frame size, origins, fallback), which does the handshake and reads frames.
     */
    SubscribeSockets(Streams streams, Auth auth, WebSocketService protocol, int backlog, Duration pingInterval) {
        this.streams = requireNonNull(streams, "streams");
        this.auth = requireNonNull(auth, "auth");
        this.protocol = requireNonNull(protocol, "protocol");
        route = new StreamingRoute(SubscribeRequest.getDescriptor().getFile()
                                                   .findServiceByName("Streams").findMethodByName("Subscribe"));
        this.backlog = backlog;
        // Asking the socket how far it is behind costs an allocation: ask every few frames.
        checkEvery = Math.max(1, Math.min(16, backlog / 4));
        this.pingInterval = requireNonNull(pingInterval, "pingInterval");
    }

    /** The paths of Subscribe, with and without the service name. */
    static Set<String> paths() {
        return Set.of("/streams/Streams/Subscribe", "/streams/Subscribe");
    }

    /** The subscribers whose sockets are open. */
    int subscribers() {
        return streams.loopSubscribers();
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
        final WebSocketUpgradeResult upgrade = protocol.protocolHandler().upgrade(ctx, req);
        if (!upgrade.isSuccess()) {
            return upgrade.fallbackResponse();
        }
        final WebSocket in = protocol.protocolHandler().decode(ctx, req);
        ctx.logBuilder().name(StreamsGrpc.SERVICE_NAME, "Subscribe");
        final StreamWriter<HttpData> out = StreamMessage.streaming();
        final Socket socket = new Socket(ctx, out);
        socket.heartbeat = Heartbeat.start(ctx, pingInterval, out.whenComplete(),
                                           () -> socket.write(ServerFrames.PING_FRAME),
                                           () -> socket.close(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE,
                                                              "PING_TIMEOUT"));
        out.whenComplete().handle((unused, cause) -> {
            socket.unsubscribe();
            return null;
        });
        final QueryParams params = ctx.queryParams();
        final Metadata metadata = RequestMetadata.of(ctx.request().headers());
        for (String name : params.names()) {
            RequestMetadata.put(metadata, name.replace('_', '-'), params.get(name));
        }
        try {
            socket.caller = auth.identify(METHOD, metadata);
        } catch (StatusRuntimeException e) {
            socket.end(e);
        }
        if (socket.caller != null && route.namesField(params)) {
            socket.subscribe(route.fromQuery(params));
        }
        // The inbound stream stays subscribed even after an error: cancelling it would make the
        // server close the socket at once, before the error frame.
        in.subscribe(socket, ctx.eventLoop());
        return HttpResponse.of(handshake(ctx), out);
    }

    /** The answer to the handshake, as Armeria's WebSocket service gives it. */
    private static ResponseHeaders handshake(ServiceRequestContext ctx) throws NoSuchAlgorithmException {
        if (!ctx.sessionProtocol().isExplicitHttp1()) {
            // WebSockets over HTTP/2 (RFC 8441) have no key to accept.
            return ResponseHeaders.of(HttpStatus.OK);
        }
        final String key = ctx.request().headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY, "");
        final byte[] digest = MessageDigest.getInstance("SHA-1")
                                           .digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
        return ResponseHeaders.builder(HttpStatus.SWITCHING_PROTOCOLS)
                              .add(HttpHeaderNames.UPGRADE, "websocket")
                              .add(HttpHeaderNames.CONNECTION, "Upgrade")
                              .add(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT, Base64.getEncoder().encodeToString(digest))
                              .build();
    }

    @Override
    public WebSocket serve(ServiceRequestContext ctx, WebSocket in) {
        throw new UnsupportedOperationException("Subscribe sockets write their own frames");
    }

    @Override
    public WebSocketProtocolHandler protocolHandler() {
        return protocol.protocolHandler();
    }

    @Override
    public ServiceOptions options() {
        return protocol.options();
    }

    @Override
    public void serviceAdded(ServiceConfig cfg) throws Exception {
        protocol.serviceAdded(cfg);
    }

    /** The text frame of a published message, framed once for every socket. */
    private byte[] textFrame(byte[] message) {
        final int slot = System.identityHashCode(message) & (framed.length() - 1);
        final Framed cached = framed.get(slot);
        if (cached != null && cached.message == message) {
            return cached.frame;
        }
        final byte[] frame = ServerFrames.text(route.toJson(message));
        framed.set(slot, new Framed(message, frame));
        return frame;
    }

    private record Framed(byte[] message, byte[] frame) {}

    /**
     * The frames of a batch, one after the other. A loop offers one batch to each of its sockets
     * in turn, so the frames are joined once per loop, not once per socket.
     */
    private byte[] joinedFrames(List<byte[]> payloads) {
        final Joined last = lastJoined.get();
        if (last != null && last.holds(payloads)) {
            return last.frames;
        }
        final byte[][] frames = new byte[payloads.size()][];
        int length = 0;
        for (int i = 0; i < frames.length; i++) {
            frames[i] = textFrame(payloads.get(i));
            length += frames[i].length;
        }
        final byte[] joined = new byte[length];
        int at = 0;
        for (byte[] frame : frames) {
            System.arraycopy(frame, 0, joined, at, frame.length);
            at += frame.length;
        }
        lastJoined.set(new Joined(payloads.toArray(new byte[0][]), joined));
        return joined;
    }

    /** The last batch a loop's thread joined: its payloads, by identity, and their frames. */
    private record Joined(byte[][] payloads, byte[] frames) {
        boolean holds(List<byte[]> batch) {
            if (batch.size() != payloads.length) {
                return false;
            }
            for (int i = 0; i < payloads.length; i++) {
                if (batch.get(i) != payloads[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    /** One subscriber's socket; everything here runs on the socket's event loop. */
    private final class Socket implements Subscriber<WebSocketFrame>, LoopFanout.Member {

        private final ServiceRequestContext ctx;
        private final StreamWriter<HttpData> out;
        private Heartbeat heartbeat;
        private Auth.Caller caller;
        private Subscription inbound;
        private volatile Bus.Subscription subscription;
        private boolean requested;
        private boolean closing;
        // Frames written since the last time the socket had taken everything written before.
        private int unconsumed;
        private boolean checking;

        Socket(ServiceRequestContext ctx, StreamWriter<HttpData> out) {
            this.ctx = ctx;
            this.out = out;
        }

        void subscribe(byte[] request) {
            requested = true;
            try {
                // The loop itself, not this request's view of it, so that the sockets of a loop share.
                subscription = streams.subscribe(SubscribeRequest.parseFrom(request), caller.namespace(),
                                                  caller.hasKey(), ctx.eventLoop().withoutContext(), this);
            } catch (StatusRuntimeException e) {
                end(e);
                return;
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("A rendered SubscribeRequest is unreadable", e);
            }
            if (!out.isOpen()) {
                unsubscribe();
            }
        }

        void unsubscribe() {
            final Bus.Subscription current = subscription;
            if (current != null) {
                current.close();
            }
        }

        @Override
        public boolean offer(List<byte[]> payloads) {
            if (closing || !out.isOpen()) {
                // The socket is gone or going; its subscription is being closed.
                return true;
            }
            if (unconsumed >= backlog) {
                return false;
            }
            final byte[] joined = joinedFrames(payloads);
            final ByteBuf frames = ctx.alloc().directBuffer(joined.length);
            frames.writeBytes(joined);
            if (!out.tryWrite(HttpData.wrap(frames))) {
                // The stream refused the data and released it.
                return true;
            }
            unconsumed += payloads.size();
            if (unconsumed >= checkEvery && !checking) {
                checking = true;
                final int written = unconsumed;
                out.whenConsumed().handle((unused, cause) -> {
                    unconsumed -= written;
                    checking = false;
                    return null;
                });
            }
            return true;
        }

        /** Writes one frame of the socket's own: a ping, a pong, an error. */
        void write(byte[] frame) {
            if (!closing) {
                out.tryWrite(HttpData.wrap(frame));
            }
        }

        @Override
        public void end(StatusRuntimeException error) {
            final Status status = error.getStatus();
            final MicroError.Described described = MicroError.describe(status, error.getTrailers());
            fail(described.httpStatus(), described.id(), described.detail(),
                 WebSocketBridge.closeStatus(status.getCode()));
        }

        /** Sends an error as a JSON frame, then a close whose reason is the error's id. */
        void fail(HttpStatus httpStatus, String id, String detail, WebSocketCloseStatus closeStatus) {
            write(ServerFrames.text(MicroError.json(httpStatus, id, detail).getBytes(StandardCharsets.UTF_8)));
            close(closeStatus, id);
        }

        /** Sends a close frame and ends the socket: nothing is written after it. */
        void close(WebSocketCloseStatus status, String reason) {
            unsubscribe();
            if (!closing) {
                write(ServerFrames.close(status, reason));
                closing = true;
                out.close();
            }
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            inbound = subscription;
            subscription.request(1);
        }

        @Override
        public void onNext(WebSocketFrame frame) {
            try (frame) {
                heartbeat.heard();
                if (frame.type() == WebSocketFrameType.PING) {
                    write(ServerFrames.pong(frame.array()));
                } else if (frame.type() == WebSocketFrameType.CLOSE) {
                    // The client closes: its close is answered, and nothing more is sent.
                    close(WebSocketCloseStatus.NORMAL_CLOSURE, "");
                } else if (!requested && caller != null && StreamingRoute.carriesMessage(frame)) {
                    // Subscribe takes one request; what the client sends after it is read and dropped.
                    final byte[] request;
                    try {
                        request = route.fromFrame(frame);
                    } catch (InvalidProtocolBufferException | RuntimeException e) {
                        requested = true;
                        fail(HttpStatus.BAD_REQUEST, "INVALID_JSON", MicroError.unreadable(e),
                             WebSocketCloseStatus.INVALID_PAYLOAD_DATA);
                        return;
                    }
                    subscribe(request);
                }
                inbound.request(1);
            }
        }

        @Override
        public void onError(Throwable cause) {
            // The client broke the protocol (a frame too long, say), or the connection broke.
            close(cause instanceof WebSocketProtocolViolationException
                  ? ((WebSocketProtocolViolationException) cause).closeStatus()
                  : WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "");
        }

        @Override
        public void onComplete() {
            close(WebSocketCloseStatus.NORMAL_CLOSURE, "");
        }
    }
}
