package dev.courier.streams;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;

import dev.courier.proto.streams.Message;
import dev.courier.proto.streams.PublishResponse;
import dev.courier.proto.streams.StreamsGrpc;
import dev.courier.proto.streams.SubscribeRequest;
import dev.courier.proto.streams.TokenRequest;
import dev.courier.proto.streams.TokenResponse;
import dev.courier.streams.bus.Bus;
import dev.courier.streams.bus.BusUnavailableException;
import dev.courier.streams.bus.LoopFanout;
import dev.courier.streams.bus.Outbox;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * The Streams service. A published message is serialized once and published on the bus; a node
 * reads each payload once for all its gRPC subscribers of the topic, and hands the bytes as they
 * are to its other subscribers (the gateway's WebSockets). Each subscriber has a bounded queue, and
 * one that stops reading is ended with RESOURCE_EXHAUSTED ({@code SLOW_CONSUMER}) while the others
 * go on. Publishing never waits for a subscriber.
 *
 * <pre>{@code
 * BindableService streams = Streams.builder()
 *                                  .bus(bus)
 *                                  .tokenSecret(TokenKeys.load(dataSource))
 *                                  .build();
 * }</pre>
 */
public final class Streams implements StreamsGrpc.AsyncService, BindableService {

    private static final Logger logger = LoggerFactory.getLogger(Streams.class);

    /** Returns a new builder. */
    public static Builder builder() {
        return new Builder();
    }

    private final Bus bus;
    private final Tokens tokens;
    private final Clock clock;
    private final Supplier<String> namespace;
    private final BooleanSupplier callerHasKey;
    private final int subscriberQueueSize;
    private final LoopFanout loops;
    // Subscribers of a topic read the same payloads at slightly different times: room for the
    // recent thousands keeps one reading per payload even when they lag apart.
    private final AtomicReferenceArray<Parsed> parsed = new AtomicReferenceArray<>(4096);

    private Streams(Builder builder) {
        bus = requireNonNull(builder.bus, "bus");
        clock = builder.clock;
        tokens = builder.tokens != null
                 ? builder.tokens
                 : Tokens.of(requireNonNull(builder.tokenSecret, "tokenSecret"), clock, builder.tokenTtl);
        namespace = builder.namespace;
        callerHasKey = builder.callerHasKey;
        subscriberQueueSize = builder.subscriberQueueSize;
        loops = new LoopFanout(bus, subscriberQueueSize, StreamsError.SLOW_CONSUMER.toException(),
                               StreamsError.SHUTTING_DOWN.toException());
    }

    @Override
    public ServerServiceDefinition bindService() {
        return StreamsGrpc.bindService(this);
    }

    @Override
    public void publish(Message req, StreamObserver<PublishResponse> out) {
        final StreamsError invalid = topicError(req.getTopic());
        if (invalid != null) {
            out.onError(invalid.toException());
            return;
        }
        if (req.getMessageBytes().isEmpty()) {
            out.onError(StreamsError.MISSING_MESSAGE.toException());
            return;
        }
        if (req.getMessageBytes().size() > Limits.MAX_MESSAGE_BYTES) {
            out.onError(StreamsError.MESSAGE_TOO_LONG.toException());
            return;
        }
        final Instant now = clock.instant();
        final byte[] payload = req.toBuilder()
                                  .setSentAt(Timestamp.newBuilder()
                                                      .setSeconds(now.getEpochSecond())
                                                      .setNanos(now.getNano()))
                                  .build()
                                  .toByteArray();
        final String ns = namespace.get();
        if (ns == null) {
            out.onError(StreamsError.MISSING_TOKEN.toException());
            return;
        }
        try {
            bus.publish(subject(ns, req.getTopic()), payload);
        } catch (BusUnavailableException e) {
            out.onError(StreamsError.BUS_UNAVAILABLE.toException());
            return;
        }
        out.onNext(PublishResponse.getDefaultInstance());
        out.onCompleted();
    }

    @Override
    public void token(TokenRequest req, StreamObserver<TokenResponse> out) {
        if (!req.getTopic().isEmpty() && !Topics.isValid(req.getTopic())) {
            out.onError(StreamsError.INVALID_TOPIC.toException());
            return;
        }
        final String ns = namespace.get();
        if (ns == null) {
            out.onError(StreamsError.MISSING_TOKEN.toException());
            return;
        }
        out.onNext(TokenResponse.newBuilder().setToken(tokens.mint(ns, req.getTopic())).build());
        out.onCompleted();
    }

    @Override
    public void subscribe(SubscribeRequest req, StreamObserver<Message> responseObserver) {
        final ServerCallStreamObserver<Message> out = (ServerCallStreamObserver<Message>) responseObserver;
        final Outbox<Message> outbox = new Outbox<>(out, subscriberQueueSize, StreamsError.SLOW_CONSUMER.toException());
        out.setOnCancelHandler(outbox::cancelled);
        out.setOnReadyHandler(outbox::drain);
        final String ns = namespace.get();
        final StreamsError invalid = subscribeError(req, ns, callerHasKey.getAsBoolean());
        if (invalid != null) {
            outbox.fail(invalid.toException());
            return;
        }
        outbox.subscribed(bus.subscribe(subscribedSubject(req, ns), new Bus.Listener() {
            @Override
            public void onPayload(byte[] payload) {
                final Message message = parsed(payload);
                if (message != null) {
                    outbox.offer(message);
                }
            }

            @Override
            public void onBusClosed() {
                outbox.fail(StreamsError.SHUTTING_DOWN.toException());
            }
        }));
    }

    /**
     * The message a payload holds, read once for every subscriber it reaches here: the bus hands
     * one array to all of a node's subscribers of a topic, and gRPC writes a message object with
     * protobuf's own serializer straight into the stream's buffer (which costs less than copying
     * the bytes through a stream). Null, and logged, for bytes that are not a message, which only
     * a publisher other than this service can put on the bus.
     */
    private Message parsed(byte[] payload) {
        final int slot = System.identityHashCode(payload) & (parsed.length() - 1);
        final Parsed cached = parsed.get(slot);
        if (cached != null && cached.payload == payload) {
            return cached.message;
        }
        final Message message;
        try {
            message = Message.parseFrom(payload);
        } catch (InvalidProtocolBufferException e) {
            logger.warn("A payload on the bus is not a streams.Message; it was not delivered: {}", e.getMessage());
            return null;
        }
        parsed.set(slot, new Parsed(payload, message));
        return message;
    }

    /** A payload from the bus and the message it holds. */
    private record Parsed(byte[] payload, Message message) {}

    /**
     * Subscribes a subscriber that lives on an event loop, for a transport other than gRPC (the
     * gateway's WebSockets). The request is checked as Subscribe checks it, for a caller in
     * {@code namespace} (null for one without credentials) that holds a key or not; the
     * subscriber then receives each message as the bytes it was published as, on {@code loop}.
     *
     * @throws StatusRuntimeException the error Subscribe ends with, when the request is refused
     */
    public Bus.Subscription subscribe(SubscribeRequest req, String namespace, boolean hasKey, Executor loop,
                                      LoopFanout.Member subscriber) {
        requireNonNull(req, "req");
        final StreamsError invalid = subscribeError(req, namespace, hasKey);
        if (invalid != null) {
            throw invalid.toException();
        }
        return loops.join(subscribedSubject(req, namespace), loop, subscriber);
    }

    /** The subscribers of {@link #subscribe(SubscribeRequest, String, boolean, Executor, LoopFanout.Member)}. */
    public int loopSubscribers() {
        return loops.members();
    }

    private StreamsError subscribeError(SubscribeRequest req, String ns, boolean hasKey) {
        final StreamsError invalid = topicError(req.getTopic());
        if (invalid != null) {
            return invalid;
        }
        if (!req.getToken().isEmpty()) {
            return tokens.check(req.getToken(), ns, req.getTopic());
        }
        return ns == null || !hasKey ? StreamsError.MISSING_TOKEN : null;
    }

    /** A caller without a key subscribes in the namespace its token was minted in. */
    private String subscribedSubject(SubscribeRequest req, String ns) {
        return subject(ns != null ? ns : tokens.namespaceOf(req.getToken()), req.getTopic());
    }

    private static StreamsError topicError(String topic) {
        if (topic.isEmpty()) {
            return StreamsError.MISSING_TOPIC;
        }
        return Topics.isValid(topic) ? null : StreamsError.INVALID_TOPIC;
    }

    private static String subject(String ns, String topic) {
        return "streams." + ns + '.' + topic;
    }

    /** Builds a {@link Streams} service. */
    public static final class Builder {

        private Bus bus;
        private Tokens tokens;
        private byte[] tokenSecret;
        private Duration tokenTtl = Duration.ofSeconds(60);
        private Clock clock = Clock.systemUTC();
        private Supplier<String> namespace = () -> "default";
        private BooleanSupplier callerHasKey = () -> false;
        private int subscriberQueueSize = Limits.DEFAULT_QUEUE;

        private Builder() {}

        /** What carries published messages to the subscribers of every node (required). */
        public Builder bus(Bus bus) {
            this.bus = requireNonNull(bus, "bus");
            return this;
        }

        /**
         * The secret that signs tokens (required); every node of a deployment needs the same one.
         */
        public Builder tokenSecret(byte[] tokenSecret) {
            requireNonNull(tokenSecret, "tokenSecret");
            if (tokenSecret.length < 16) {
                throw new IllegalArgumentException("tokenSecret: " + tokenSecret.length +
                                                   " bytes (expected: >= 16)");
            }
            this.tokenSecret = tokenSecret.clone();
            return this;
        }

        /** The tokens to mint and check, instead of a secret and a time to live. */
        public Builder tokens(Tokens tokens) {
            this.tokens = requireNonNull(tokens, "tokens");
            return this;
        }

        /** How long a token is valid (default 60 seconds). */
        public Builder tokenTtl(Duration tokenTtl) {
            requireNonNull(tokenTtl, "tokenTtl");
            if (tokenTtl.isNegative() || tokenTtl.isZero()) {
                throw new IllegalArgumentException("tokenTtl: " + tokenTtl + " (expected: > 0)");
            }
            this.tokenTtl = tokenTtl;
            return this;
        }

        /** The clock of sent_at and of token expiry (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Names the namespace of the current call, read on the calling thread (default: "default").
         * Null means the caller is not authenticated: it may only subscribe, with a token, in the
         * token's namespace.
         */
        public Builder namespace(Supplier<String> namespace) {
            this.namespace = requireNonNull(namespace, "namespace");
            return this;
        }

        /**
         * Whether the current call carries an API key, which lets it subscribe without a token
         * (default: never, so every subscription needs a token).
         */
        public Builder callerHasKey(BooleanSupplier callerHasKey) {
            this.callerHasKey = requireNonNull(callerHasKey, "callerHasKey");
            return this;
        }

        /**
         * Messages that may wait for a subscriber that does not read; past that the subscription
         * ends with RESOURCE_EXHAUSTED (default 1024).
         */
        public Builder subscriberQueueSize(int subscriberQueueSize) {
            if (subscriberQueueSize < 1) {
                throw new IllegalArgumentException("subscriberQueueSize: " + subscriberQueueSize +
                                                   " (expected: >= 1)");
            }
            this.subscriberQueueSize = subscriberQueueSize;
            return this;
        }

        /** Returns the service. */
        public Streams build() {
            return new Streams(this);
        }
    }
}
