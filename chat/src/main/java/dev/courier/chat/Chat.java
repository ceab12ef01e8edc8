package dev.courier.chat;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.ByteString;

import dev.courier.chat.store.ChatStore;
import dev.courier.chat.store.StoreException;
import dev.courier.proto.chat.ChatGrpc;
import dev.courier.proto.chat.HistoryRequest;
import dev.courier.proto.chat.HistoryResponse;
import dev.courier.proto.chat.Message;
import dev.courier.proto.chat.NewRequest;
import dev.courier.proto.chat.NewResponse;
import dev.courier.proto.chat.SendRequest;
import dev.courier.proto.chat.SendResponse;
import dev.courier.streams.bus.Bus;
import dev.courier.streams.bus.BusUnavailableException;
import dev.courier.streams.bus.Outbox;

import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * The Chat service. Messages are stored first, then published on the bus, so everything a
 * connection receives is already in History; a chat's messages are stored and published by one
 * lane of a {@link SendWriter}, a batch at a time, so every connection receives them in History's
 * order.
 *
 * <pre>{@code
 * BindableService chat = Chat.builder()
 *                            .store(JdbcChatStore.migrate(dataSource))
 *                            .bus(bus)
 *                            .executor(storeExecutor)
 *                            .build();
 * }</pre>
 */
public final class Chat implements ChatGrpc.AsyncService, BindableService {

    private static final Logger logger = LoggerFactory.getLogger(Chat.class);

    /** The metadata key that names the chat of a Connect stream. */
    public static final Metadata.Key<String> CHAT_ID_HEADER =
            Metadata.Key.of("chat-id", Metadata.ASCII_STRING_MARSHALLER);
    /** The metadata key that names the user of a Connect stream. */
    public static final Metadata.Key<String> USER_ID_HEADER =
            Metadata.Key.of("user-id", Metadata.ASCII_STRING_MARSHALLER);

    private static final Context.Key<String> CHAT_ID = Context.key("chat-id");
    private static final Context.Key<String> USER_ID = Context.key("user-id");

    /** Returns a new builder. */
    public static Builder builder() {
        return new Builder();
    }

    private final ChatStore store;
    private final Bus bus;
    private final Executor executor;
    private final Clock clock;
    private final Supplier<String> namespace;
    private final int connectionQueueSize;
    private final SendWriter writer;

    private Chat(Builder builder) {
        store = requireNonNull(builder.store, "store");
        bus = requireNonNull(builder.bus, "bus");
        executor = requireNonNull(builder.executor, "executor");
        clock = builder.clock;
        namespace = builder.namespace;
        connectionQueueSize = builder.connectionQueueSize;
        writer = new SendWriter(store, bus, executor, SendWriter.LANES, builder.sendQueueSize);
    }

    @Override
    public ServerServiceDefinition bindService() {
        // Connect reads its chat and user from the metadata of the call.
        final ServerInterceptor connectMetadata = new ServerInterceptor() {
            @Override
            public <I, O> io.grpc.ServerCall.Listener<I> interceptCall(io.grpc.ServerCall<I, O> call,
                                                                      Metadata headers,
                                                                      io.grpc.ServerCallHandler<I, O> next) {
                final Context context = Context.current()
                                               .withValue(CHAT_ID, headers.get(CHAT_ID_HEADER))
                                               .withValue(USER_ID, headers.get(USER_ID_HEADER));
                return Contexts.interceptCall(context, call, headers, next);
            }
        };
        return ServerInterceptors.intercept(ChatGrpc.bindService(this), connectMetadata);
    }

    @Override
    public void new_(NewRequest req, StreamObserver<NewResponse> out) {
        final TreeSet<String> users = new TreeSet<>();
        for (int i = 0; i < req.getUserIdsCount(); i++) {
            final ByteString userId = req.getUserIdsBytes(i);
            if (userId.size() > Limits.MAX_ID_BYTES) {
                out.onError(ChatError.USER_ID_TOO_LONG.toException());
                return;
            }
            if (!userId.isEmpty()) {
                users.add(req.getUserIds(i));
            }
        }
        if (users.isEmpty()) {
            out.onError(ChatError.MISSING_USER_IDS.toException());
            return;
        }
        if (users.size() > Limits.MAX_USERS) {
            out.onError(ChatError.TOO_MANY_USER_IDS.toException());
            return;
        }
        final String ns = namespace.get();
        final List<String> userIds = List.copyOf(users);
        final String chatId = chatId(userIds);
        run(out, () -> {
            store.createChat(ns, chatId, userIds, clock.instant().getEpochSecond());
            return NewResponse.newBuilder().setChatId(chatId).build();
        });
    }

    @Override
    public void send(SendRequest req, StreamObserver<SendResponse> out) {
        final ChatError invalid = sendError(req.getChatIdBytes(), req.getUserIdBytes(), req.getClientIdBytes(),
                                            req.getSubjectBytes(), req.getTextBytes());
        if (invalid != null) {
            out.onError(invalid.toException());
            return;
        }
        deliver(namespace.get(), req.getChatId(), req.getUserId(), req.getClientId(), req.getSubject(),
                req.getText(), "", new SendWriter.Sender() {
                    @Override
                    public void sent() {
                        out.onNext(SendResponse.getDefaultInstance());
                        out.onCompleted();
                    }

                    @Override
                    public void failed(RuntimeException cause) {
                        out.onError(status(cause));
                    }
                });
    }

    @Override
    public void history(HistoryRequest req, StreamObserver<HistoryResponse> out) {
        if (req.getChatId().isEmpty()) {
            out.onError(ChatError.HISTORY_MISSING_CHAT_ID.toException());
            return;
        }
        final int limit = req.hasLimit() ? req.getLimit().getValue() : 0;
        if (limit < 0 || limit > Limits.MAX_PAGE ||
            (!req.getBeforeId().isEmpty() && !req.getAfterId().isEmpty())) {
            out.onError(ChatError.HISTORY_INVALID_PAGE.toException());
            return;
        }
        final String ns = namespace.get();
        run(out, () -> HistoryResponse.newBuilder()
                                      .addAllMessages(store.history(ns, req.getChatId(), req.getBeforeId(),
                                                                    req.getAfterId(),
                                                                    limit > 0 ? limit : Limits.MAX_PAGE)
                                                           .orElseThrow(ChatError.HISTORY_INVALID_CHAT_ID::toException))
                                      .build());
    }

    @Override
    public StreamObserver<Message> connect(StreamObserver<Message> responseObserver) {
        final ServerCallStreamObserver<Message> out = (ServerCallStreamObserver<Message>) responseObserver;
        out.disableAutoRequest();
        final ChatConnection connection = new ChatConnection(out, connectionQueueSize);
        final Outbox<Message> outbox = connection.outbox();
        out.setOnCancelHandler(outbox::cancelled);
        out.setOnReadyHandler(outbox::drain);
        final String chatId = nullToEmpty(CHAT_ID.get());
        final String userId = nullToEmpty(USER_ID.get());
        final String ns = namespace.get();
        if (chatId.isEmpty()) {
            outbox.fail(ChatError.CONNECT_MISSING_CHAT_ID.toException());
        } else if (userId.isEmpty()) {
            outbox.fail(ChatError.CONNECT_MISSING_USER_ID.toException());
        } else if (utf8Length(chatId) > Limits.MAX_ID_BYTES || utf8Length(userId) > Limits.MAX_ID_BYTES) {
            // Refused at once, rather than on the first message the stream sends.
            outbox.fail(ChatError.CONNECT_FIELD_TOO_LONG.toException());
        } else {
            execute(outbox, () -> {
                if (!store.chatExists(ns, chatId)) {
                    throw ChatError.CONNECT_INVALID_CHAT_ID.toException();
                }
                outbox.subscribed(bus.subscribe(subject(ns, chatId), connection));
                out.request(1);
            });
        }
        // One for the client's side of the stream, plus one per message being stored: the stream
        // ends only when the client is done and what it sent is stored (or has failed it).
        final AtomicInteger unfinished = new AtomicInteger(1);
        final Runnable finishOne = () -> {
            if (unfinished.decrementAndGet() == 0) {
                outbox.complete();
            }
        };
        return new StreamObserver<>() {
            @Override
            public void onNext(Message message) {
                final ChatError invalid = sendError(ByteString.copyFromUtf8(chatId),
                                                    ByteString.copyFromUtf8(userId),
                                                    message.getClientIdBytes(), message.getSubjectBytes(),
                                                    message.getTextBytes());
                if (invalid != null) {
                    outbox.fail(invalid.toException());
                    return;
                }
                unfinished.incrementAndGet();
                deliver(ns, chatId, userId, message.getClientId(), message.getSubject(), message.getText(),
                        connection.id(), new SendWriter.Sender() {
                            @Override
                            public void sent() {
                                out.request(1);
                                finishOne.run();
                            }

                            @Override
                            public void failed(RuntimeException cause) {
                                outbox.fail(status(cause));
                                finishOne.run();
                            }
                        });
            }

            @Override
            public void onError(Throwable t) {
                outbox.cancelled();
            }

            @Override
            public void onCompleted() {
                finishOne.run();
            }
        };
    }

    /** Hands a message to the writer, which stores and publishes it, then tells {@code sender}. */
    private void deliver(String ns, String chatId, String userId, String clientId, String subject, String text,
                         String origin, SendWriter.Sender sender) {
        final Message message = Message.newBuilder()
                                       .setId(UUID.randomUUID().toString())
                                       .setClientId(clientId.isEmpty() ? UUID.randomUUID().toString() : clientId)
                                       .setChatId(chatId)
                                       .setUserId(userId)
                                       .setSubject(subject)
                                       .setText(text)
                                       .setSentAt(clock.instant().getEpochSecond())
                                       .build();
        writer.send(ns, message, !clientId.isEmpty(), origin, sender);
    }

    private static ChatError sendError(ByteString chatId, ByteString userId, ByteString clientId,
                                       ByteString subject, ByteString text) {
        if (chatId.isEmpty()) {
            return ChatError.MISSING_CHAT_ID;
        }
        if (userId.isEmpty()) {
            return ChatError.MISSING_USER_ID;
        }
        if (text.isEmpty()) {
            return ChatError.MISSING_TEXT;
        }
        if (chatId.size() > Limits.MAX_ID_BYTES || userId.size() > Limits.MAX_ID_BYTES ||
            clientId.size() > Limits.MAX_ID_BYTES || subject.size() > Limits.MAX_SUBJECT_BYTES ||
            text.size() > Limits.MAX_TEXT_BYTES) {
            return ChatError.FIELD_TOO_LONG;
        }
        return null;
    }

    /** The id of the chat of a set of users: the same users always give the same id. */
    static String chatId(List<String> sortedUserIds) {
        final MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        for (String userId : sortedUserIds) {
            final byte[] bytes = userId.getBytes(StandardCharsets.UTF_8);
            // Length-prefixed, so no choice of ids can collide with another.
            sha256.update((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
            sha256.update(bytes);
        }
        return HexFormat.of().formatHex(sha256.digest(), 0, 16);
    }

    static String subject(String ns, String chatId) {
        return "chat." + ns + '.' + chatId;
    }

    private static int utf8Length(String value) {
        return value.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }

    /** Runs a store call on the store executor and ends the unary call with its result. */
    private <T> void run(StreamObserver<T> out, StoreCall<T> call) {
        try {
            executor.execute(() -> {
                final T response;
                try {
                    response = call.run();
                } catch (StatusRuntimeException e) {
                    out.onError(e);
                    return;
                } catch (RuntimeException e) {
                    out.onError(failure(e).toException());
                    return;
                }
                out.onNext(response);
                out.onCompleted();
            });
        } catch (RejectedExecutionException e) {
            out.onError(ChatError.BUSY.toException());
        }
    }

    /** Runs a store call of a Connect stream on the store executor; a failure ends the stream. */
    private void execute(Outbox<Message> outbox, Runnable call) {
        try {
            executor.execute(() -> {
                try {
                    call.run();
                } catch (RuntimeException e) {
                    outbox.fail(status(e));
                }
            });
        } catch (RejectedExecutionException e) {
            outbox.fail(ChatError.BUSY.toException());
        }
    }

    /** The error a client gets for a failed message: its own, or that of the store or the bus. */
    private static StatusRuntimeException status(RuntimeException cause) {
        return cause instanceof StatusRuntimeException status ? status : failure(cause).toException();
    }

    /** The error a client gets for a failure of the store or the bus; the cause stays in the log. */
    private static ChatError failure(RuntimeException e) {
        if (e instanceof BusUnavailableException) {
            logger.warn("The bus failed: {}", e.getMessage());
            return ChatError.BUS_UNAVAILABLE;
        }
        if (e instanceof StoreException && ((StoreException) e).unavailable()) {
            logger.warn("The store failed: {}", e.getMessage());
            return ChatError.STORE_UNAVAILABLE;
        }
        logger.warn("A store call failed", e);
        return ChatError.STORAGE_ERROR;
    }

    @FunctionalInterface
    private interface StoreCall<T> {
        T run();
    }

    /** Builds a {@link Chat} service. */
    public static final class Builder {

        private ChatStore store;
        private Bus bus;
        private Executor executor;
        private Clock clock = Clock.systemUTC();
        private Supplier<String> namespace = () -> "default";
        private int connectionQueueSize = Limits.DEFAULT_QUEUE;
        private int sendQueueSize = Limits.DEFAULT_SEND_QUEUE;

        private Builder() {}

        /** Where chats and messages are kept (required). */
        public Builder store(ChatStore store) {
            this.store = requireNonNull(store, "store");
            return this;
        }

        /** What carries messages to the Connect streams of every node (required). */
        public Builder bus(Bus bus) {
            this.bus = requireNonNull(bus, "bus");
            return this;
        }

        /**
         * Where the blocking store calls run (required): size it to the store's connection pool and
         * bound its queue; a rejected call ends with RESOURCE_EXHAUSTED.
         */
        public Builder executor(Executor executor) {
            this.executor = requireNonNull(executor, "executor");
            return this;
        }

        /** The clock that stamps sent_at (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /** Names the namespace of the current call, read on the calling thread (default: "default"). */
        public Builder namespace(Supplier<String> namespace) {
            this.namespace = requireNonNull(namespace, "namespace");
            return this;
        }

        /**
         * Messages that may wait for a Connect stream whose client does not read; past that the
         * stream ends with RESOURCE_EXHAUSTED (default 1024).
         */
        public Builder connectionQueueSize(int connectionQueueSize) {
            if (connectionQueueSize < 1) {
                throw new IllegalArgumentException("connectionQueueSize: " + connectionQueueSize +
                                                   " (expected: >= 1)");
            }
            this.connectionQueueSize = connectionQueueSize;
            return this;
        }

        /**
         * Messages of Send and Connect that may wait to be stored, in each of the writer's lanes;
         * past that they fail with RESOURCE_EXHAUSTED (default 4096).
         */
        public Builder sendQueueSize(int sendQueueSize) {
            if (sendQueueSize < 1) {
                throw new IllegalArgumentException("sendQueueSize: " + sendQueueSize + " (expected: >= 1)");
            }
            this.sendQueueSize = sendQueueSize;
            return this;
        }

        /** Returns the service. */
        public Chat build() {
            return new Chat(this);
        }
    }
}
