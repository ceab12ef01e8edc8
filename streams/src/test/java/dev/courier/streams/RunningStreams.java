package dev.courier.streams;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.Timestamp;

import dev.courier.proto.streams.Message;
import dev.courier.proto.streams.StreamsGrpc;
import dev.courier.proto.streams.SubscribeRequest;
import dev.courier.proto.streams.TokenRequest;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;

/**
 * Streams on a {@link WatchedBus}, served by an in-process server under a name of its own, with
 * a channel to it. One per test; {@link #close()} releases all of it.
 *
 * <p>As a gateway would, the server tells Streams who calls from the request headers: the
 * namespace from {@code x-namespace} (none without it: an unauthenticated caller), and whether
 * the caller holds an API key from the presence of {@code x-api-key}.
 */
final class RunningStreams {

    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final Duration TOKEN_TTL = Duration.ofSeconds(60);

    /** A backend in the default namespace, with an API key. */
    static final Caller BACKEND = new Caller("default", true);
    /** A browser in the default namespace: no API key, so it subscribes with a token. */
    static final Caller BROWSER = new Caller("default", false);
    /** A caller the gateway knows nothing of: no namespace and no API key. */
    static final Caller ANONYMOUS = new Caller(null, false);

    /** Bounds every unary call, so that a call that blocks fails a test instead of hanging it. */
    private static final long DEADLINE_SECONDS = 5;

    private static final Metadata.Key<String> NAMESPACE_HEADER =
            Metadata.Key.of("x-namespace", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> API_KEY_HEADER =
            Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> NAMESPACE = Context.key("namespace");
    private static final Context.Key<Boolean> HAS_KEY = Context.keyWithDefault("has-key", false);

    /** Who makes a call: the namespace it acts in (null: unknown), and whether it holds an API key. */
    record Caller(String namespace, boolean hasKey) {

        /** The same caller in another namespace. */
        Caller in(String otherNamespace) {
            return new Caller(otherNamespace, hasKey);
        }
    }

    private final WatchedBus bus;
    private final MutableClock clock;
    private final Server server;
    private final ManagedChannel channel;

    private RunningStreams(WatchedBus bus, MutableClock clock, Server server, ManagedChannel channel) {
        this.bus = bus;
        this.clock = clock;
        this.server = server;
        this.channel = channel;
    }

    /** Starts Streams with the default subscriber queue, its clock standing at {@code clock}. */
    static RunningStreams start(MutableClock clock) {
        return start(clock, Limits.DEFAULT_QUEUE);
    }

    /** Starts Streams whose subscribers each queue at most {@code subscriberQueueSize} messages. */
    static RunningStreams start(MutableClock clock, int subscriberQueueSize) {
        requireNonNull(clock, "clock");
        final String name = "streams-test-" + UUID.randomUUID();
        final WatchedBus bus = new WatchedBus();
        final Streams streams = Streams.builder()
                                       .bus(bus)
                                       .tokenSecret(SECRET)
                                       .tokenTtl(TOKEN_TTL)
                                       .clock(clock)
                                       .namespace(NAMESPACE::get)
                                       .callerHasKey(HAS_KEY::get)
                                       .subscriberQueueSize(subscriberQueueSize)
                                       .build();
        try {
            final Server server = InProcessServerBuilder.forName(name)
                                                        .addService(ServerInterceptors.intercept(
                                                                streams, new CallerFromHeaders()))
                                                        .build()
                                                        .start();
            final ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
            return new RunningStreams(bus, clock, server, channel);
        } catch (Exception e) {
            bus.close();
            throw new IllegalStateException("Streams did not start", e);
        }
    }

    WatchedBus bus() {
        return bus;
    }

    MutableClock clock() {
        return clock;
    }

    /** A blocking stub for {@code caller} whose calls each get a deadline, counted from now. */
    StreamsGrpc.StreamsBlockingStub stub(Caller caller) {
        return StreamsGrpc.newBlockingStub(channel)
                          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(caller)))
                          .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    /** Starts a Subscribe call of {@code caller}, feeding what it receives to {@code subscriber}. */
    void subscribe(Caller caller, SubscribeRequest request, Subscriber subscriber) {
        StreamsGrpc.newStub(channel)
                   .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(caller)))
                   .subscribe(request, subscriber);
    }

    /** Subscribes {@code caller} to {@code topic} without a token. */
    void subscribe(Caller caller, String topic, Subscriber subscriber) {
        subscribe(caller, SubscribeRequest.newBuilder().setTopic(topic).build(), subscriber);
    }

    /**
     * Publishes {@code text} on {@code topic} as {@code caller}, with a sent_at far in the past
     * that the server is to replace.
     */
    void publish(Caller caller, String topic, String text) {
        stub(caller).publish(Message.newBuilder()
                                    .setTopic(topic)
                                    .setMessage(text)
                                    .setSentAt(Timestamp.newBuilder().setSeconds(1))
                                    .build());
    }

    /** A token from the Token RPC, minted for {@code caller}; an empty topic means any topic. */
    String token(Caller caller, String topic) {
        return stub(caller).token(TokenRequest.newBuilder().setTopic(topic).build()).getToken();
    }

    /** Stops the server and the channel and closes the bus. */
    void close() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow();
        channel.awaitTermination(DEADLINE_SECONDS, TimeUnit.SECONDS);
        server.awaitTermination(DEADLINE_SECONDS, TimeUnit.SECONDS);
        bus.close();
    }

    private static Metadata headers(Caller caller) {
        final Metadata headers = new Metadata();
        if (caller.namespace() != null) {
            headers.put(NAMESPACE_HEADER, caller.namespace());
        }
        if (caller.hasKey()) {
            headers.put(API_KEY_HEADER, "test-key");
        }
        return headers;
    }

    /** Puts the caller's namespace and key into the call's context, where Streams reads them. */
    private static final class CallerFromHeaders implements ServerInterceptor {

        @Override
        public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
                                                                     Metadata headers,
                                                                     ServerCallHandler<ReqT, RespT> next) {
            final Context context = Context.current().withValues(
                    NAMESPACE, headers.get(NAMESPACE_HEADER), HAS_KEY, headers.containsKey(API_KEY_HEADER));
            return Contexts.interceptCall(context, call, headers, next);
        }
    }
}
