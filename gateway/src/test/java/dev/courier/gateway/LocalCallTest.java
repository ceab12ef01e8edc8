package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Message;
import com.google.protobuf.StringValue;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;

/** LocalCall: a unary call handed straight to a handler ends, or is cancelled, as a gRPC server's would be. */
class LocalCallTest {

    private static final Metadata.Key<String> ERROR_ID =
            Metadata.Key.of("error-id", Metadata.ASCII_STRING_MARSHALLER);

    @SuppressWarnings("unchecked")
    private static final MethodDescriptor<Message, Message> ECHO =
            MethodDescriptor.<Message, Message>newBuilder()
                            .setType(MethodDescriptor.MethodType.UNARY)
                            .setFullMethodName("test.Echo/Echo")
                            .setRequestMarshaller((MethodDescriptor.Marshaller<Message>) (Object)
                                    ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                            .setResponseMarshaller((MethodDescriptor.Marshaller<Message>) (Object)
                                    ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                            .build();

    /** How each call ended. */
    private final List<Object[]> ends = new ArrayList<>();

    @Test
    void theReplyAndOkEndTheCall() {
        call(handler((request, out) -> {
            out.onNext(StringValue.of("echo " + ((StringValue) request).getValue()));
            out.onCompleted();
        }), null);
        assertEquals(1, ends.size());
        assertEquals(Status.Code.OK, status().getCode());
        assertEquals(StringValue.of("echo hello"), ends.get(0)[2]);
    }

    @Test
    void aServiceErrorKeepsItsStatusAndTrailers() {
        call(handler((request, out) -> {
            final Metadata trailers = new Metadata();
            trailers.put(ERROR_ID, "NOT_THERE");
            out.onError(Status.NOT_FOUND.withDescription("no such thing").asRuntimeException(trailers));
        }), null);
        assertEquals(Status.Code.NOT_FOUND, status().getCode());
        assertEquals("no such thing", status().getDescription());
        assertEquals("NOT_THERE", ((Metadata) ends.get(0)[1]).get(ERROR_ID));
        assertNull(ends.get(0)[2]);
    }

    @Test
    void anExceptionFromTheServiceEndsItAsUnknown() {
        call(handler((request, out) -> {
            throw new IllegalStateException("a bug");
        }), null);
        assertEquals(1, ends.size());
        assertEquals(Status.Code.UNKNOWN, status().getCode());
        assertEquals("Application error processing RPC", status().getDescription());
    }

    @Test
    void anInterceptorThatRefusesTheCallEndsItWithoutTheService() {
        final AtomicBoolean served = new AtomicBoolean();
        final ServerInterceptor refuse = new ServerInterceptor() {
            @Override
            public <I, O> ServerCall.Listener<I> interceptCall(ServerCall<I, O> call, Metadata headers,
                                                              ServerCallHandler<I, O> next) {
                call.close(Status.UNAUTHENTICATED.withDescription("who are you"), new Metadata());
                return new ServerCall.Listener<>() {};
            }
        };
        call(handler((request, out) -> {
            served.set(true);
            out.onNext(request);
            out.onCompleted();
        }), refuse);
        assertFalse(served.get());
        assertEquals(1, ends.size());
        assertEquals(Status.Code.UNAUTHENTICATED, status().getCode());
    }

    @Test
    void aCancelledCallTellsTheServiceAndDropsItsAnswer() {
        final List<String> seen = new ArrayList<>();
        final AtomicReference<ServerCallStreamObserver<Message>> held = new AtomicReference<>();
        final LocalCall call = call(handler((request, out) -> {
            final ServerCallStreamObserver<Message> observer = (ServerCallStreamObserver<Message>) out;
            observer.setOnCancelHandler(() -> seen.add("cancelled " + observer.isCancelled()));
            held.set(observer);
        }), null);
        assertFalse(held.get().isCancelled());
        call.cancel();
        call.cancel();
        assertEquals(List.of("cancelled true"), seen);
        held.get().onNext(StringValue.of("too late"));
        held.get().onCompleted();
        assertEquals(0, ends.size());
    }

    @Test
    void aCancelWhileTheRequestIsHandedOverReachesTheServiceAfterIt() {
        final List<String> seen = new ArrayList<>();
        // Cancels the call before the service has its request, as a client going away at once may.
        final ServerInterceptor cancelFirst = new ServerInterceptor() {
            @Override
            public <I, O> ServerCall.Listener<I> interceptCall(ServerCall<I, O> call, Metadata headers,
                                                              ServerCallHandler<I, O> next) {
                ((LocalCall) (Object) call).cancel();
                return next.startCall(call, headers);
            }
        };
        call(handler((request, out) -> {
            final ServerCallStreamObserver<Message> observer = (ServerCallStreamObserver<Message>) out;
            observer.setOnCancelHandler(() -> seen.add("cancelled"));
            seen.add("served, cancelled " + observer.isCancelled());
            out.onNext(request);
            out.onCompleted();
        }), cancelFirst);
        assertEquals(List.of("served, cancelled true", "cancelled"), seen);
        assertEquals(0, ends.size());
    }

    @Test
    void aCancelAfterTheEndChangesNothing() {
        final LocalCall call = call(handler((request, out) -> {
            out.onNext(request);
            out.onCompleted();
        }), null);
        call.cancel();
        assertFalse(call.isCancelled());
        assertEquals(1, ends.size());
        assertEquals(Status.Code.OK, status().getCode());
    }

    private Status status() {
        return (Status) ends.get(0)[0];
    }

    @SuppressWarnings("unchecked")
    private LocalCall call(ServerCallHandler<Message, Message> handler, ServerInterceptor interceptor) {
        ServerCallHandler<Message, Message> target = handler;
        if (interceptor != null) {
            final ServerServiceDefinition service = ServerInterceptors.intercept(
                    ServerServiceDefinition.builder("test.Echo")
                                           .addMethod(ServerMethodDefinition.create(ECHO, handler))
                                           .build(), interceptor);
            target = (ServerCallHandler<Message, Message>) service.getMethod("test.Echo/Echo").getServerCallHandler();
        }
        return LocalCall.start(target, ECHO, new Metadata(), StringValue.of("hello"),
                               (status, trailers, reply) -> ends.add(new Object[] {status, trailers, reply}));
    }

    private static ServerCallHandler<Message, Message> handler(ServerCalls.UnaryMethod<Message, Message> method) {
        return ServerCalls.asyncUnaryCall(method);
    }
}
