package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.grpc.protobuf.StatusProto;

/**
 * The Connect protocol on the gRPC paths ({@code /threads.Threads/CreateConversation}), for
 * clients that speak it: {@code buf curl} by default (its reflection included), connect-web in
 * browsers, connect-go and connect-kotlin. Unary calls with {@code application/proto} or
 * {@code application/json} bodies (the {@code connect-protocol-version} header is not required),
 * and streams of enveloped messages with {@code application/connect+proto} or
 * {@code application/connect+json}. Each call goes through a gRPC {@link Channel} to the
 * services, so they behave exactly as over gRPC: a {@code Connect-Timeout-Ms} header becomes the
 * call's deadline, and a client that goes away cancels its call.
 */
final class ConnectBridge implements HttpService {

    private static final MediaType PROTO = MediaType.parse("application/proto");
    private static final int END_STREAM = 0x02;
    private static final int COMPRESSED = 0x01;
    private static final String TIMEOUT = "connect-timeout-ms";


    private final Map<String, Route> routes;
    private final Channel channel;
    private final int maxMessageBytes;

    private ConnectBridge(Map<String, Route> routes, Channel channel, int maxMessageBytes) {
        this.routes = routes;
        this.channel = channel;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Returns a bridge to the methods of the given services, reached through the channel. */
    static ConnectBridge of(List<ServerServiceDefinition> services, Channel channel, int maxMessageBytes) {
        requireNonNull(channel, "channel");
        final Map<String, Route> routes = new HashMap<>();
        for (ServerServiceDefinition service : services) {
            final Object schema = service.getServiceDescriptor().getSchemaDescriptor();
            if (!(schema instanceof ProtoServiceDescriptorSupplier)) {
                continue;
            }
            for (MethodDescriptor method : ((ProtoServiceDescriptorSupplier) schema).getServiceDescriptor()
                                                                                   .getMethods()) {
                final String fullName = io.grpc.MethodDescriptor.generateFullMethodName(
                        method.getService().getFullName(), method.getName());
                routes.put('/' + fullName, new Route(method, fullName));
            }
        }
        return new ConnectBridge(Map.copyOf(routes), channel, maxMessageBytes);
    }

    /** The paths of the methods this bridge serves. */
    Set<String> paths() {
        return routes.keySet();
    }

    /**
     * The content types of Connect requests: on the gRPC paths they never collide with gRPC's own
     * {@code application/grpc} types.
     */
    static List<MediaType> contentTypes() {
        return List.of(PROTO, MediaType.JSON,
                       MediaType.parse("application/connect+proto"), MediaType.parse("application/connect+json"));
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        final Route route = routes.get(ctx.path());
        ctx.logBuilder().name(route.method.getServiceName(), route.method.getBareMethodName());
        final MediaType contentType = req.contentType();
        final boolean json = contentType.subtype().endsWith("json");
        final boolean streaming = contentType.subtype().startsWith("connect+");
        final CallOptions options;
        try {
            options = callOptions(ctx, req.headers().get(TIMEOUT));
        } catch (IllegalArgumentException e) {
            final Status invalid = Status.INVALID_ARGUMENT.withDescription(e.getMessage());
            return streaming ? streamError(json, invalid) : unaryError(invalid, null);
        }
        if (streaming) {
            return stream(ctx, req, route, json, options);
        }
        if (route.type != MethodType.UNARY) {
            return unaryError(Status.UNIMPLEMENTED.withDescription(
                    route.fullName + " is a streaming method: use application/connect+proto"), null);
        }
        return unary(ctx, req, route, json, options);
    }

    /**
     * The call's options: its listener runs on the request's event loop, and the deadline is the
     * one the client gave in {@code Connect-Timeout-Ms}, as the Connect protocol has it (a
     * positive number of milliseconds, at most 10 digits), if it gave one.
     *
     * @throws IllegalArgumentException if the timeout is not such a number
     */
    private static CallOptions callOptions(ServiceRequestContext ctx, @Nullable String timeout) {
        final CallOptions options = CallOptions.DEFAULT.withExecutor(ctx.eventLoop());
        if (timeout == null) {
            return options;
        }
        if (timeout.isEmpty() || timeout.length() > 10 || !timeout.chars().allMatch(c -> c >= '0' && c <= '9') ||
            Long.parseLong(timeout) == 0) {
            throw new IllegalArgumentException(
                    TIMEOUT + ": " + timeout + " (expected: a positive number of milliseconds, at most 10 digits)");
        }
        return options.withDeadlineAfter(Long.parseLong(timeout), TimeUnit.MILLISECONDS);
    }

    private HttpResponse unary(ServiceRequestContext ctx, HttpRequest req, Route route, boolean json,
                               CallOptions options) {
        final CompletableFuture<HttpResponse> response = new CompletableFuture<>();
        req.aggregate().handle((body, cause) -> {
            if (cause != null) {
                response.complete(unaryError(Status.RESOURCE_EXHAUSTED.withDescription(
                        "The request body is larger than the limit of " + maxMessageBytes + " bytes"), null));
                return null;
            }
            final byte[] request;
            try {
                request = route.decode(body.content().array(), json);
            } catch (InvalidProtocolBufferException e) {
                response.complete(unaryError(Status.INVALID_ARGUMENT.withDescription(
                        MicroError.unreadable(e)), null));
                return null;
            }
            final ClientCall<byte[], byte[]> call = channel.newCall(route.method, options);
            call.start(new ClientCall.Listener<>() {
                private byte[] reply;

                @Override
                public void onMessage(byte[] message) {
                    reply = message;
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    if (!status.isOk() || reply == null) {
                        response.complete(unaryError(status.isOk() ? Status.INTERNAL.withDescription("no response")
                                                                : status, trailers));
                        return;
                    }
                    response.complete(HttpResponse.of(HttpStatus.OK, json ? MediaType.JSON_UTF_8 : PROTO,
                                                      route.encode(reply, json)));
                }
            }, RequestMetadata.of(req.headers()));
            call.request(2);
            call.sendMessage(request);
            call.halfClose();
            // A client that goes away cancels its call, as a gRPC client's would.
            ctx.whenRequestCancelling().thenAccept(reason -> call.cancel("The client went away", reason));
            return null;
        });
        return HttpResponse.of(response);
    }

    private HttpResponse stream(ServiceRequestContext ctx, HttpRequest req, Route route, boolean json,
                                CallOptions options) {
        final HttpResponseWriter response = HttpResponse.streaming();
        response.write(ResponseHeaders.of(HttpStatus.OK, HttpHeaderNames.CONTENT_TYPE, streamType(json)));
        // Both the listener and the request subscriber run on the event loop of the request, so
        // the call is never used from two threads at once.
        final ClientCall<byte[], byte[]> call = channel.newCall(route.method, options);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                response.tryWrite(envelope(0, route.encode(message, json)));
                call.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                response.tryWrite(envelope(END_STREAM, endOfStream(status, trailers)));
                response.close();
            }
        }, RequestMetadata.of(req.headers()));
        call.request(1);
        response.whenComplete().exceptionally(cause -> {
            call.cancel("The client went away", cause);
            return null;
        });
        req.subscribe(new Deframer(call, route, json, response), ctx.eventLoop());
        return response;
    }

    private static String streamType(boolean json) {
        return json ? "application/connect+json" : "application/connect+proto";
    }

    private static HttpData envelope(int flags, byte[] payload) {
        final byte[] frame = new byte[5 + payload.length];
        frame[0] = (byte) flags;
        frame[1] = (byte) (payload.length >>> 24);
        frame[2] = (byte) (payload.length >>> 16);
        frame[3] = (byte) (payload.length >>> 8);
        frame[4] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 5, payload.length);
        return HttpData.wrap(frame);
    }

    private static byte[] endOfStream(Status status, Metadata trailers) {
        if (status.isOk()) {
            return "{}".getBytes(StandardCharsets.UTF_8);
        }
        return ("{\"error\":" + errorJson(status, trailers) + '}').getBytes(StandardCharsets.UTF_8);
    }

    /** A stream that ends at once, with {@code status}. */
    private static HttpResponse streamError(boolean json, Status status) {
        return HttpResponse.of(ResponseHeaders.of(HttpStatus.OK, HttpHeaderNames.CONTENT_TYPE, streamType(json)),
                               envelope(END_STREAM, endOfStream(status, null)));
    }

    private static HttpResponse unaryError(Status status, Metadata trailers) {
        return HttpResponse.of(MicroError.httpStatus(status.getCode()), MediaType.JSON_UTF_8,
                               errorJson(status, trailers));
    }

    /** The Connect error object: code, message, and the status details (ErrorInfo among them). */
    private static String errorJson(Status status, Metadata trailers) {
        final StringBuilder json = new StringBuilder(128);
        json.append("{\"code\":\"").append(status.getCode() == Status.Code.CANCELLED
                                           ? "canceled" : status.getCode().name().toLowerCase(Locale.ROOT))
            .append('"');
        if (status.getDescription() != null) {
            json.append(",\"message\":").append(quote(status.getDescription()));
        }
        final com.google.rpc.Status details =
                trailers != null ? StatusProto.fromStatusAndTrailers(status, trailers) : null;
        if (details != null && details.getDetailsCount() > 0) {
            json.append(",\"details\":[");
            for (int i = 0; i < details.getDetailsCount(); i++) {
                final Any detail = details.getDetails(i);
                final String typeUrl = detail.getTypeUrl();
                json.append(i > 0 ? "," : "")
                    .append("{\"type\":").append(quote(typeUrl.substring(typeUrl.lastIndexOf('/') + 1)))
                    .append(",\"value\":\"")
                    .append(Base64.getEncoder().withoutPadding().encodeToString(detail.getValue().toByteArray()))
                    .append("\"}");
            }
            json.append(']');
        }
        return json.append('}').toString();
    }

    private static String quote(String value) {
        final StringBuilder quoted = new StringBuilder(value.length() + 2);
        MicroError.quote(quoted, value);
        return quoted.toString();
    }

    /** Splits the request body into enveloped messages and sends each to the call. */
    private final class Deframer implements Subscriber<HttpObject> {

        private final ClientCall<byte[], byte[]> call;
        private final Route route;
        private final boolean json;
        private final HttpResponseWriter response;
        private Subscription subscription;
        private byte[] buffer = new byte[0];
        private int buffered;
        private boolean failed;

        Deframer(ClientCall<byte[], byte[]> call, Route route, boolean json, HttpResponseWriter response) {
            this.call = call;
            this.route = route;
            this.json = json;
            this.response = response;
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            this.subscription = subscription;
            subscription.request(1);
        }

        @Override
        public void onNext(HttpObject object) {
            if (object instanceof HttpData && !failed) {
                append((HttpData) object);
                deliver();
            }
            if (!failed) {
                subscription.request(1);
            }
        }

        @Override
        public void onError(Throwable cause) {
            call.cancel("The request failed", cause);
        }

        @Override
        public void onComplete() {
            if (failed) {
                return;
            }
            if (buffered > 0) {
                fail("The request ends inside a message");
                return;
            }
            call.halfClose();
        }

        private void append(HttpData data) {
            if (buffered + data.length() > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, buffered + data.length()));
            }
            System.arraycopy(data.array(), 0, buffer, buffered, data.length());
            buffered += data.length();
        }

        private void deliver() {
            int offset = 0;
            while (buffered - offset >= 5) {
                final int flags = buffer[offset];
                final int length = (buffer[offset + 1] & 0xff) << 24 | (buffer[offset + 2] & 0xff) << 16 |
                                   (buffer[offset + 3] & 0xff) << 8 | (buffer[offset + 4] & 0xff);
                if (length < 0 || length > maxMessageBytes) {
                    fail("A message is larger than the limit of " + maxMessageBytes + " bytes");
                    return;
                }
                if ((flags & COMPRESSED) != 0) {
                    fail("Compressed messages are not supported");
                    return;
                }
                if (buffered - offset - 5 < length) {
                    break;
                }
                final byte[] payload = Arrays.copyOfRange(buffer, offset + 5, offset + 5 + length);
                offset += 5 + length;
                try {
                    call.sendMessage(route.decode(payload, json));
                } catch (InvalidProtocolBufferException e) {
                    fail(MicroError.unreadable(e));
                    return;
                }
            }
            System.arraycopy(buffer, offset, buffer, 0, buffered - offset);
            buffered -= offset;
        }

        private void fail(String description) {
            failed = true;
            subscription.cancel();
            // Ends the response first, so the call's own (cancelled) end is not what the client sees.
            response.tryWrite(envelope(END_STREAM, endOfStream(
                    Status.INVALID_ARGUMENT.withDescription(description), null)));
            response.close();
            call.cancel(description, null);
        }
    }

    /** One method: its gRPC descriptor on raw bytes, and its message types for JSON. */
    private static final class Route {

        final io.grpc.MethodDescriptor<byte[], byte[]> method;
        final String fullName;
        final MethodType type;
        final Descriptor input;
        final Descriptor output;
        private final JsonParser parser;
        private final JsonPrinter printer;

        Route(MethodDescriptor method, String fullName) {
            this.fullName = fullName;
            input = method.getInputType();
            output = method.getOutputType();
            parser = JsonParser.of(DynamicMessage.getDefaultInstance(input));
            printer = JsonPrinter.of(output, JsonPrinter.Style.JSON_NAMES_WITHOUT_DEFAULTS);
            type = GrpcForwarder.typeOf(method);
            this.method = GrpcForwarder.bytesMethod(method);
        }

        byte[] decode(byte[] body, boolean json) throws InvalidProtocolBufferException {
            if (!json) {
                return body;
            }
            return parser.parseToWire(body);
        }

        byte[] encode(byte[] message, boolean json) {
            if (!json) {
                return message;
            }
            try {
                return printer.print(message);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("A service sent an unreadable " + output.getFullName(), e);
            }
        }
    }
}
