package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.netty.channel.EventLoop;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.PrototypeMarshaller;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;

/**
 * JSON over HTTP for every unary method of the contracts: {@code POST /{package}/{Service}/{Method}}
 * with a proto3 JSON body (snake_case or lowerCamelCase names), answered with proto3 JSON in the
 * field names of the .proto files, default values included. Also answers the short form
 * {@code /{package}/{Method}} where the service is named like its package ({@code /chat/New}), and
 * {@code /protobuf/Streams/{Method}} for Threads, as older documentation wrote it.
 *
 * <p>Transcoding is driven by descriptors: each request becomes a message, read by
 * {@link JsonParser}. A service in this process gets its generated class, handed straight to its
 * handler ({@link LocalCall}); a service elsewhere gets a {@link DynamicMessage} sent through a
 * gRPC {@link Channel}. Replies are printed by {@link JsonPrinter}.
 */
final class JsonGateway implements HttpService {

    private final Map<String, Route> routes;
    /** Per event loop, how answers completed on other threads reach it. */
    private final Map<EventLoop, LoopHandoff> handoffs = new ConcurrentHashMap<>();

    private JsonGateway(Map<String, Route> routes) {
        this.routes = routes;
    }

    /** Returns a gateway for the methods of the given services, all reached through the channel. */
    static JsonGateway of(List<ServiceDescriptor> services, Channel channel) {
        return of(services, channel, Map.of());
    }

    /**
     * Returns a gateway that calls the methods of {@code local} (by full method name: the
     * definitions the channel's server serves, interceptors applied) straight through their
     * handlers when their marshallers name generated message classes, as those of the services in
     * this process do: faster to parse and print than {@link DynamicMessage}, and no gRPC call
     * between. Other methods, forwarded services' among them, are reached through the channel.
     */
    static JsonGateway of(List<ServiceDescriptor> services, Channel channel,
                          Map<String, ServerMethodDefinition<?, ?>> local) {
        requireNonNull(channel, "channel");
        requireNonNull(local, "local");
        final Map<String, Route> routes = new HashMap<>();
        for (ServiceDescriptor service : services) {
            final String pkg = service.getFile().getPackage();
            for (MethodDescriptor method : service.getMethods()) {
                final Route route = new Route(method, channel, local.get(
                        io.grpc.MethodDescriptor.generateFullMethodName(service.getFullName(), method.getName())));
                routes.put('/' + pkg + '/' + service.getName() + '/' + method.getName(), route);
                if (service.getName().equalsIgnoreCase(pkg)) {
                    routes.putIfAbsent('/' + pkg + '/' + method.getName(), route);
                }
                if ("threads.Threads".equals(service.getFullName())) {
                    routes.put("/protobuf/Streams/" + method.getName(), route);
                }
            }
        }
        return new JsonGateway(Map.copyOf(routes));
    }

    /** The printer of the answers of the method at {@code path}; for tests. */
    JsonPrinter printer(String path) {
        return routes.get(path).printer;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        final Route route = routes.get(ctx.path());
        if (route == null) {
            return notFound(req);
        }
        // Metrics and logs name the RPC, not the HTTP method.
        ctx.logBuilder().name(route.serviceName, route.methodName);
        if (req.method() != HttpMethod.POST) {
            return HttpResponse.of(
                    MicroError.aggregated(HttpStatus.METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED",
                                          req.method() + " is not allowed: call " + ctx.path() +
                                          " with POST")
                              .toHttpResponse()
                              .mapHeaders(headers -> headers.toBuilder()
                                                            .set(HttpHeaderNames.ALLOW, "POST")
                                                            .build()));
        }
        if (!route.unary) {
            return MicroError.of(HttpStatus.BAD_REQUEST, "STREAMING_METHOD",
                                 route.method.getFullMethodName() +
                                 " is a streaming method: open a WebSocket on " + ctx.path() +
                                 " or call it over gRPC");
        }
        final MediaType contentType = req.contentType();
        if (contentType != null && !contentType.isJson()) {
            return MicroError.of(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE",
                                 "Content-Type " + contentType + " is not supported: send application/json");
        }
        final CompletableFuture<HttpResponse> response = new CompletableFuture<>();
        req.aggregate().handle((body, cause) -> {
            if (cause != null) {
                response.complete(aggregationFailure(cause));
            } else {
                call(route, req.headers(), body, response, handoff(ctx.eventLoop().withoutContext()),
                     ctx.whenRequestCancelling());
            }
            return null;
        });
        return HttpResponse.of(response);
    }

    private LoopHandoff handoff(EventLoop loop) {
        final LoopHandoff handoff = handoffs.get(loop);
        return handoff != null ? handoff : handoffs.computeIfAbsent(loop, LoopHandoff::new);
    }

    /**
     * Calls the method and completes {@code response} with its answer on the request's event loop,
     * handed over with the other answers that the thread the call ends on (a store thread, for
     * most) completes meanwhile. An in-process call's answer is printed on the loop; a remote
     * call's on the thread its call ends on. The request being cancelled (its client gone, its
     * stream reset) cancels the call, as a gRPC client going away would.
     */
    private static void call(Route route, RequestHeaders headers, AggregatedHttpRequest body,
                             CompletableFuture<HttpResponse> response, LoopHandoff loop,
                             CompletableFuture<Throwable> cancelling) {
        final Message request;
        try {
            request = route.parser.parseBody(body.content().array());
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            response.complete(MicroError.of(HttpStatus.BAD_REQUEST, "INVALID_JSON", MicroError.unreadable(e)));
            return;
        }
        if (route.local != null) {
            final LocalCall call = LocalCall.start(route.local, route.method, RequestMetadata.of(headers), request,
                                                   (status, trailers, reply) -> loop.execute(
                                                           () -> response.complete(
                                                                   answer(route, status, trailers, reply))));
            cancelling.thenRun(call::cancel);
            return;
        }
        final ClientCall<Message, Message> call =
                route.channel.newCall(route.method, CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {
            private Message reply;

            @Override
            public void onMessage(Message message) {
                reply = message;
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                final HttpResponse answer = answer(route, status, trailers, reply);
                loop.execute(() -> response.complete(answer));
            }
        }, RequestMetadata.of(headers));
        call.request(2);
        call.sendMessage(request);
        call.halfClose();
        cancelling.thenAccept(cause -> call.cancel("The client went away", cause));
    }

    /** The HTTP response for how a call ended. */
    private static HttpResponse answer(Route route, Status status, Metadata trailers, Message reply) {
        if (!status.isOk()) {
            final MicroError.Described error = MicroError.describe(status, trailers);
            return MicroError.of(error.httpStatus(), error.id(), error.detail());
        }
        if (reply == null) {
            return MicroError.of(HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL", "The service sent no response");
        }
        return print(route.printer, reply);
    }

    private static HttpResponse print(JsonPrinter printer, Message message) {
        final HttpData json;
        try {
            json = printer.print(message);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return MicroError.of(HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL", "Cannot print the response");
        }
        return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, json);
    }

    private static HttpResponse aggregationFailure(Throwable cause) {
        if (Exceptions.peel(cause) instanceof ContentTooLargeException) {
            return MicroError.of(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "REQUEST_TOO_LARGE",
                                 MicroError.tooLarge(
                                         ((ContentTooLargeException) Exceptions.peel(cause)).maxContentLength()));
        }
        return MicroError.of(HttpStatus.BAD_REQUEST, "INVALID_REQUEST", "The request body could not be read");
    }

    private static HttpResponse notFound(HttpRequest req) {
        final MediaType contentType = req.contentType();
        if (contentType != null && contentType.subtype().startsWith("grpc")) {
            // A gRPC client asking for a method nobody serves: answer as a gRPC server would.
            return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
                                                  .contentType(contentType)
                                                  .add("grpc-status", "12")
                                                  .add("grpc-message", "Method not found: " + req.path())
                                                  .endOfStream(true)
                                                  .build());
        }
        return MicroError.of(HttpStatus.NOT_FOUND, "NOT_FOUND", "No method at " + req.path());
    }

    /** One method, and how to reach it. */
    private static final class Route {

        final io.grpc.MethodDescriptor<Message, Message> method;
        final JsonParser parser;
        final JsonPrinter printer;
        final Channel channel;
        /** The handler of the method in this process, or null to call it through the channel. */
        final ServerCallHandler<Message, Message> local;
        final boolean unary;
        final String serviceName;
        final String methodName;

        @SuppressWarnings("unchecked")
        Route(MethodDescriptor method, Channel channel, ServerMethodDefinition<?, ?> definition) {
            serviceName = method.getService().getFullName();
            methodName = method.getName();
            unary = !method.isClientStreaming() && !method.isServerStreaming();
            this.channel = channel;
            final io.grpc.MethodDescriptor<?, ?> served = definition != null ? definition.getMethodDescriptor() : null;
            final Message generatedRequest = served != null ? prototype(served.getRequestMarshaller()) : null;
            final Message generatedResponse = served != null ? prototype(served.getResponseMarshaller()) : null;
            final boolean useGenerated = generatedRequest != null && generatedResponse != null &&
                                         generatedRequest.getDescriptorForType().getFullName()
                                                         .equals(method.getInputType().getFullName()) &&
                                         generatedResponse.getDescriptorForType().getFullName()
                                                          .equals(method.getOutputType().getFullName());
            // Of the types its answers have, which it then reads through their own getters.
            printer = JsonPrinter.of(useGenerated ? generatedResponse.getDescriptorForType() : method.getOutputType(),
                                     JsonPrinter.Style.PROTO_NAMES_WITH_DEFAULTS);
            if (useGenerated) {
                parser = JsonParser.of(generatedRequest);
                local = (ServerCallHandler<Message, Message>) definition.getServerCallHandler();
                this.method = (io.grpc.MethodDescriptor<Message, Message>) served;
                return;
            }
            final Message request = DynamicMessage.getDefaultInstance(method.getInputType());
            parser = JsonParser.of(request);
            local = null;
            this.method = io.grpc.MethodDescriptor.<Message, Message>newBuilder()
                                                  .setType(GrpcForwarder.typeOf(method))
                                                  .setFullMethodName(io.grpc.MethodDescriptor.generateFullMethodName(
                                                          method.getService().getFullName(), method.getName()))
                                                  .setRequestMarshaller(marshaller(request))
                                                  .setResponseMarshaller(
                                                          marshaller(DynamicMessage.getDefaultInstance(
                                                                  method.getOutputType())))
                                                  .build();
        }

        /** The message a marshaller makes, when it says (generated stubs' marshallers do). */
        private static Message prototype(io.grpc.MethodDescriptor.Marshaller<?> marshaller) {
            return marshaller instanceof PrototypeMarshaller<?> prototypes &&
                   prototypes.getMessagePrototype() instanceof Message message ? message : null;
        }

        @SuppressWarnings("unchecked")
        private static io.grpc.MethodDescriptor.Marshaller<Message> marshaller(Message prototype) {
            return (io.grpc.MethodDescriptor.Marshaller<Message>) (io.grpc.MethodDescriptor.Marshaller<?>)
                    ProtoUtils.marshaller(prototype);
        }
    }
}
