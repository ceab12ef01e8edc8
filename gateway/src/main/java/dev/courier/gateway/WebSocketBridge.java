package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.websocket.CloseWebSocketFrame;
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
 */
final class WebSocketBridge implements WebSocketServiceHandler {

    private static final JsonFormat.Parser parser = JsonFormat.parser();
    private static final JsonFormat.Printer printer = JsonFormat.printer()
                                                               .preservingProtoFieldNames()
                                                               .alwaysPrintFieldsWithNoPresence()
                                                               .omittingInsignificantWhitespace();

    private final Map<String, Route> routes;
    private final Channel channel;
    private final Duration pingInterval;

    private WebSocketBridge(Map<String, Route> routes, Channel channel, Duration pingInterval) {
        this.routes = routes;
        this.channel = channel;
        this.pingInterval = pingInterval;
    }

    /** Returns a bridge to the streaming methods of the given services, reached through the channel. */
    static WebSocketBridge of(List<ServiceDescriptor> services, Channel channel, Duration pingInterval) {
        requireNonNull(channel, "channel");
        final Map<String, Route> routes = new HashMap<>();
        for (ServiceDescriptor service : services) {
            final String pkg = service.getFile().getPackage();
            for (MethodDescriptor method : service.getMethods()) {
                if (!method.isServerStreaming()) {
                    continue;
                }
                final Route route = new Route(method);
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
        final Route route = routes.get(ctx.path());
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
        in.subscribe(session, ctx.eventLoop());
        // A client that vanished without closing is found by the ping it does not answer.
        final ScheduledFuture<?> pings = ctx.eventLoop().scheduleAtFixedRate(
                session::ping, pingInterval.toMillis(), pingInterval.toMillis(), TimeUnit.MILLISECONDS);
        out.whenComplete().handle((unused, cause) -> pings.cancel(false));
        return out;
    }

    private static void closeWithError(WebSocketWriter out, Status status, Metadata trailers) {
        final MicroError.Described error = MicroError.describe(status, trailers);
        out.tryWrite(MicroError.json(error.httpStatus(), error.id(), error.detail()));
        out.close(closeStatus(status.getCode()), truncate(error.id()));
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
        private final Route route;
        private final WebSocketWriter out;
        private boolean acceptsMessages;
        private boolean callClosed;
        private boolean awaitingPong;
        private Subscription subscription;

        Session(ClientCall<byte[], byte[]> call, Route route, WebSocketWriter out, boolean acceptsMessages) {
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

        /** Pings the client, or gives it up if it has not answered the previous ping. */
        void ping() {
            if (awaitingPong) {
                cancel("The WebSocket client stopped answering pings");
                out.close(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "PING_TIMEOUT");
                return;
            }
            awaitingPong = true;
            out.tryWrite(WebSocketFrame.ofPing());
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
                // Anything the client sends shows it is alive.
                awaitingPong = false;
                if (frame.type() == WebSocketFrameType.CLOSE) {
                    return;
                }
                if (frame.type() == WebSocketFrameType.PING) {
                    out.tryWrite(WebSocketFrame.ofPong(frame.array()));
                    subscription.request(1);
                    return;
                }
                if (callClosed) {
                    // The call is over: what the client still sends is read and dropped.
                    subscription.request(1);
                    return;
                }
                // Pings are answered by the server; a server-streaming call takes one request
                // only. Some tools send JSON in binary frames: it is read as UTF-8 text all the same.
                final WebSocketFrameType type = frame.type();
                if ((type == WebSocketFrameType.TEXT || type == WebSocketFrameType.BINARY) && acceptsMessages) {
                    final byte[] request;
                    try {
                        request = route.fromJson(type == WebSocketFrameType.TEXT
                                                 ? frame.text() : new String(frame.array(), StandardCharsets.UTF_8));
                    } catch (InvalidProtocolBufferException | RuntimeException e) {
                        cancel("Invalid frame");
                        out.tryWrite(MicroError.json(HttpStatus.BAD_REQUEST, "INVALID_JSON",
                                                     MicroError.unreadable(e)));
                        out.close(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "INVALID_JSON");
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

    /** A message and its JSON text in UTF-8. */
    private record Rendered(byte[] message, byte[] json) {}

    /** One streaming method, on raw bytes, with its message types for JSON. */
    private static final class Route {

        final io.grpc.MethodDescriptor<byte[], byte[]> method;
        final MethodType type;
        final Descriptor input;
        final Descriptor output;
        // Subscribers of a topic render the same messages at slightly different times: room for the
        // recent thousands of them keeps one rendering per message even when they lag apart.
        private final AtomicReferenceArray<Rendered> rendered = new AtomicReferenceArray<>(4096);

        Route(MethodDescriptor method) {
            input = method.getInputType();
            output = method.getOutputType();
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

        byte[] fromJson(String json) throws InvalidProtocolBufferException {
            final DynamicMessage.Builder message = DynamicMessage.newBuilder(input);
            parser.merge(json, message);
            return message.build().toByteArray();
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
            final byte[] json = print(message).getBytes(StandardCharsets.UTF_8);
            rendered.set(slot, new Rendered(message, json));
            return json;
        }

        private String print(byte[] message) {
            try {
                return printer.print(DynamicMessage.parseFrom(output, message));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("A service sent an unreadable " + output.getFullName(), e);
            }
        }
    }
}
