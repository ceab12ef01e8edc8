package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketFrameType;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketServiceHandler;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;

/**
 * WebSockets for the streaming methods: a socket at {@code /{package}/{Service}/{Method}} is one
 * call of the method. The request's headers and query parameters become the call's metadata
 * ({@code chat_id} becomes {@code chat-id}); each text (or binary) frame the client sends is one
 * request message in JSON, and each
 * message of the call reaches the client as one text frame in JSON. A server-streaming method
 * takes its single request from the first frame, or from the query parameters when they name
 * fields of the request. When the call fails, the client receives the error as a JSON frame in
 * the form of {@link MicroError}, then a close whose reason is the error id.
 *
 * <p>Frames are written one at a time: the next message is asked of the call only when the
 * previous frame has been written to the socket, so a client that stops reading holds back its
 * call (whose own bounded queue then ends it) instead of filling memory here.
 *
 * <p>Streams.Subscribe, when Streams runs in this process, has sockets of its own
 * ({@link SubscribeSockets}), fed from the bus without a call per socket.
 */
final class WebSocketBridge implements WebSocketServiceHandler {

    private final Map<String, StreamingRoute> routes;
    private final Channel channel;
    private final Duration pingInterval;

    private WebSocketBridge(Map<String, StreamingRoute> routes, Channel channel, Duration pingInterval) {
        this.routes = routes;
        this.channel = channel;
        this.pingInterval = pingInterval;
    }

    /** Returns a bridge to the streaming methods of the given services, reached through the channel. */
    static WebSocketBridge of(List<ServiceDescriptor> services, Channel channel, Duration pingInterval) {
        requireNonNull(channel, "channel");
        final Map<String, StreamingRoute> routes = new HashMap<>();
        for (ServiceDescriptor service : services) {
            final String pkg = service.getFile().getPackage();
            for (MethodDescriptor method : service.getMethods()) {
                if (!method.isServerStreaming()) {
                    continue;
                }
                final StreamingRoute route = new StreamingRoute(method);
                routes.put('/' + pkg + '/' + service.getName() + '/' + method.getName(), route);
                if (service.getName().equalsIgnoreCase(pkg)) {
                    routes.putIfAbsent('/' + pkg + '/' + method.getName(), route);
                }
            }
        }
        return new WebSocketBridge(Map.copyOf(routes), channel, pingInterval);
    }

    /** The paths that accept WebSockets. */
    java.util.Set<String> paths() {
        return routes.keySet();
    }

    @Override
    public WebSocket handle(ServiceRequestContext ctx, WebSocket in) {
        final StreamingRoute route = routes.get(ctx.path());
        ctx.logBuilder().name(route.method.getServiceName(), route.method.getBareMethodName());
        final WebSocketWriter out = WebSocket.streaming();
        final Metadata metadata = RequestMetadata.of(ctx.request().headers());
        final QueryParams params = ctx.queryParams();
        for (String name : params.names()) {
            RequestMetadata.put(metadata, name.replace('_', '-'), params.get(name));
        }
        // The call's listener and the inbound subscriber both run on the request's event loop: the
        // call is never touched by two threads at once.
        final ClientCall<byte[], byte[]> call =
                channel.newCall(route.method, CallOptions.DEFAULT.withExecutor(ctx.eventLoop()));
        final boolean requestFromQuery = route.type == MethodType.SERVER_STREAMING && route.namesField(params);
        final Session session = new Session(call, route, out, !requestFromQuery);
        call.start(session.listener(), metadata);
        call.request(1);
        // A socket that closes normally half-closes the call (see Session.onComplete), so what the
        // client sent before closing is still handled; only a broken socket cancels the call.
        out.whenComplete().exceptionally(cause -> {
            session.cancel("The WebSocket failed");
            return null;
        });
        if (requestFromQuery) {
            call.sendMessage(route.fromQuery(params));
            call.halfClose();
        }
        session.heartbeat = Heartbeat.start(ctx, pingInterval, out.whenComplete(),
                                            () -> out.tryWrite(WebSocketFrame.ofPing()), () -> {
                    session.cancel("The WebSocket client stopped answering pings");
                    out.close(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "PING_TIMEOUT");
                });
        in.subscribe(session, ctx.eventLoop());
        return out;
    }

    /** Sends the error as a JSON frame, then closes with a code that says the same. */
    static void closeWithError(WebSocketWriter out, Status status, Metadata trailers) {
        final MicroError.Described error = MicroError.describe(status, trailers);
        out.tryWrite(MicroError.json(error.httpStatus(), error.id(), error.detail()));
        out.close(closeStatus(status.getCode()), truncate(error.id()));
    }

    /** Answers a frame that holds no readable request: an error frame, then a close. */
    static void closeUnreadable(WebSocketWriter out, Exception cause) {
        out.tryWrite(MicroError.json(HttpStatus.BAD_REQUEST, "INVALID_JSON", MicroError.unreadable(cause)));
        out.close(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "INVALID_JSON");
    }

    /** The close code that says the same as a gRPC code. */
    static WebSocketCloseStatus closeStatus(Status.Code code) {
        switch (code) {
            case OK:
                return WebSocketCloseStatus.NORMAL_CLOSURE;
            case INVALID_ARGUMENT:
            case NOT_FOUND:
            case PERMISSION_DENIED:
            case UNAUTHENTICATED:
            case FAILED_PRECONDITION:
            case OUT_OF_RANGE:
                return WebSocketCloseStatus.POLICY_VIOLATION;
            case RESOURCE_EXHAUSTED:
            case UNAVAILABLE:
                return WebSocketCloseStatus.TRY_AGAIN_LATER;
            case CANCELLED:
                return WebSocketCloseStatus.ENDPOINT_UNAVAILABLE;
            default:
                return WebSocketCloseStatus.INTERNAL_SERVER_ERROR;
        }
    }

    /** A close reason holds at most 123 bytes. */
    private static String truncate(String reason) {
        final byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        return bytes.length <= 123 ? reason : new String(bytes, 0, 123, StandardCharsets.UTF_8);
    }

    /**
     * One socket bound to one call: reads the client's frames (each text frame is a request
     * message) and writes the call's messages.
     */
    private static final class Session implements Subscriber<WebSocketFrame> {

        private final ClientCall<byte[], byte[]> call;
        private final StreamingRoute route;
        private final WebSocketWriter out;
        private boolean acceptsMessages;
        private boolean callClosed;
        private Heartbeat heartbeat;
        private Subscription subscription;

        Session(ClientCall<byte[], byte[]> call, StreamingRoute route, WebSocketWriter out, boolean acceptsMessages) {
            this.call = call;
            this.route = route;
            this.out = out;
            this.acceptsMessages = acceptsMessages;
        }

        ClientCall.Listener<byte[]> listener() {
            return new ClientCall.Listener<>() {
                @Override
                public void onMessage(byte[] message) {
                    if (out.tryWrite(WebSocketFrame.ofText(route.toJson(message)))) {
                        out.whenConsumed().thenRun(() -> call.request(1));
                    }
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    // The inbound stream stays subscribed: cancelling it would make the server
                    // close the socket at once, before the frames written here.
                    callClosed = true;
                    if (status.isOk()) {
                        out.close(WebSocketCloseStatus.NORMAL_CLOSURE);
                    } else {
                        closeWithError(out, status, trailers);
                    }
                }
            };
        }

        void cancel(String why) {
            if (!callClosed) {
                callClosed = true;
                call.cancel(why, null);
            }
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            this.subscription = subscription;
            subscription.request(1);
        }

        @Override
        public void onNext(WebSocketFrame frame) {
            try (frame) {
                heartbeat.heard();
                if (frame.type() == WebSocketFrameType.CLOSE) {
                    return;
                }
                if (frame.type() == WebSocketFrameType.PING) {
                    out.tryWrite(WebSocketFrame.ofPong(frame.array()));
                }
                if (callClosed) {
                    // The call is over: what the client still sends is read and dropped.
                    subscription.request(1);
                    return;
                }
                // A server-streaming call takes one request only.
                if (StreamingRoute.carriesMessage(frame) && acceptsMessages) {
                    final byte[] request;
                    try {
                        request = route.fromFrame(frame);
                    } catch (InvalidProtocolBufferException | RuntimeException e) {
                        cancel("Invalid frame");
                        closeUnreadable(out, e);
                        return;
                    }
                    call.sendMessage(request);
                    if (route.type == MethodType.SERVER_STREAMING) {
                        acceptsMessages = false;
                        call.halfClose();
                    }
                }
                subscription.request(1);
            }
        }

        @Override
        public void onError(Throwable cause) {
            cancel("The WebSocket failed");
            out.close();
        }

        @Override
        public void onComplete() {
            if (acceptsMessages && !callClosed) {
                call.halfClose();
            }
        }
    }
}
