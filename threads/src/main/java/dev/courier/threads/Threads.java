package dev.courier.threads;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.Supplier;

import com.google.protobuf.ByteString;
import com.google.protobuf.Int32Value;
import com.google.protobuf.Timestamp;

import dev.courier.proto.threads.CreateConversationRequest;
import dev.courier.proto.threads.CreateConversationResponse;
import dev.courier.proto.threads.CreateMessageRequest;
import dev.courier.proto.threads.CreateMessageResponse;
import dev.courier.proto.threads.DeleteConversationRequest;
import dev.courier.proto.threads.DeleteConversationResponse;
import dev.courier.proto.threads.ListConversationsRequest;
import dev.courier.proto.threads.ListConversationsResponse;
import dev.courier.proto.threads.ListMessagesRequest;
import dev.courier.proto.threads.ListMessagesResponse;
import dev.courier.proto.threads.ReadConversationRequest;
import dev.courier.proto.threads.ReadConversationResponse;
import dev.courier.proto.threads.RecentMessagesRequest;
import dev.courier.proto.threads.RecentMessagesResponse;
import dev.courier.proto.threads.ThreadsGrpc;
import dev.courier.proto.threads.UpdateConversationRequest;
import dev.courier.proto.threads.UpdateConversationResponse;
import dev.courier.threads.store.NewMessage;
import dev.courier.threads.store.ThreadStore;

import io.grpc.stub.StreamObserver;

/**
 * The Threads service. Each RPC validates its request on the calling thread, then runs the store
 * call on the store executor, so that no transport thread ever waits for the database.
 * CreateMessage calls that arrive together are written in one transaction.
 *
 * <pre>{@code
 * BindableService threads = Threads.builder()
 *                                  .store(JdbcThreadStore.migrate(dataSource))
 *                                  .executor(storeExecutor)
 *                                  .build();
 * }</pre>
 */
public final class Threads extends ThreadsGrpc.ThreadsImplBase {

    /** The namespace of every call until API keys name one. */
    public static final String DEFAULT_NAMESPACE = "default";

    /** How many CreateMessage calls may wait to be written, unless the executor's queue says. */
    private static final int DEFAULT_QUEUE_CAPACITY = 4096;

    /** Returns a new builder. */
    public static Builder builder() {
        return new Builder();
    }

    private final ThreadStore store;
    private final Executor executor;
    private final MessageWriter messages;
    private final Clock clock;
    private final Supplier<String> namespace;

    private Threads(Builder builder) {
        store = requireNonNull(builder.store, "store");
        executor = requireNonNull(builder.executor, "executor");
        messages = new MessageWriter(store, executor, queueCapacity(executor), MessageWriter.MAX_BATCH,
                                     MessageWriter.DRAINS);
        clock = builder.clock;
        namespace = builder.namespace;
    }

    @Override
    public void createConversation(CreateConversationRequest req,
                                   StreamObserver<CreateConversationResponse> out) {
        final ThreadsError invalid =
                firstOf(required(req.getGroupIdBytes(), ThreadsError.MISSING_GROUP_ID,
                                 Limits.MAX_ID_BYTES, ThreadsError.GROUP_ID_TOO_LONG),
                        required(req.getTopicBytes(), ThreadsError.MISSING_TOPIC,
                                 Limits.MAX_TOPIC_BYTES, ThreadsError.TOPIC_TOO_LONG));
        if (invalid != null) {
            out.onError(invalid.toException());
            return;
        }
        final String ns = namespace.get();
        run(out, () -> CreateConversationResponse.newBuilder()
                                                 .setConversation(store.createConversation(
                                                         ns, newId(), req.getGroupId(), req.getTopic(),
                                                         nowMicros()))
                                                 .build());
    }

    @Override
    public void readConversation(ReadConversationRequest req, StreamObserver<ReadConversationResponse> out) {
        final ThreadsError invalid = required(req.getIdBytes(), ThreadsError.MISSING_ID,
                                              Limits.MAX_ID_BYTES, ThreadsError.ID_TOO_LONG);
        if (invalid != null) {
            out.onError(invalid.toException());
            return;
        }
        final String ns = namespace.get();
        run(out, () -> {
            final var conversation = store.readConversation(ns, req.getId())
                                          .filter(c -> !req.hasGroupId() ||
                                                       c.getGroupId().equals(req.getGroupId().getValue()))
                                          .orElseThrow(ThreadsError.NOT_FOUND::toException);
            return ReadConversationResponse.newBuilder().setConversation(conversation).build();
        });
    }

    @Override
    public void updateConversation(UpdateConversationRequest req,
                                   StreamObserver<UpdateConversationResponse> out) {
        final ThreadsError invalid =
                firstOf(required(req.getIdBytes(), ThreadsError.MISSING_ID,
                                 Limits.MAX_ID_BYTES, ThreadsError.ID_TOO_LONG),
                        required(req.getTopicBytes(), ThreadsError.MISSING_TOPIC,
                                 Limits.MAX_TOPIC_BYTES, ThreadsError.TOPIC_TOO_LONG));
        if (invalid != null) {
            out.onError(invalid.toException());
            return;
        }
        final String ns = namespace.get();
        run(out, () -> UpdateConversationResponse.newBuilder()
                                                 .setConversation(
                                                         store.updateTopic(ns, req.getId(), req.getTopic())
                                                              .orElseThrow(ThreadsError.NOT_FOUND::toException))
                                                 .build());
    }

    @Override
    public void deleteConversation(DeleteConversationRequest req,
                                   StreamObserver<DeleteConversationResponse> out) {
        final ThreadsError invalid = required(req.getIdBytes(), ThreadsError.MISSING_ID,
                                              Limits.MAX_ID_BYTES, ThreadsError.ID_TOO_LONG);
        if (invalid != null) {
            out.onError(invalid.toException());
            return;
        }
        final String ns = namespace.get();
        run(out, () -> {
            if (!store.deleteConversation(ns, req.getId())) {
                throw ThreadsError.NOT_FOUND.toException();
            }
            return DeleteConversationResponse.getDefaultInstance();
        });
    }

    @Override
    public void listConversations(ListConversationsRequest req,
                                  StreamObserver<ListConversationsResponse> out) {
        final ThreadsError invalid = required(req.getGroupIdBytes(), ThreadsError.MISSING_GROUP_ID,
                                              Limits.MAX_ID_BYTES, ThreadsError.GROUP_ID_TOO_LONG);
        if (invalid != null) {
            out.onError(invalid.toException());
            return;
        }
        final String ns = namespace.get();
        run(out, () -> ListConversationsResponse.newBuilder()
                                                .addAllConversations(
                                                        store.listConversations(ns, req.getGroupId()))
                                                .build());
    }

    @Override
    public void createMessage(CreateMessageRequest req, StreamObserver<CreateMessageResponse> out) {
        final ThreadsError invalid =
                firstOf(optional(req.getIdBytes(), Limits.MAX_ID_BYTES, ThreadsError.ID_TOO_LONG),
                        required(req.getConversationIdBytes(), ThreadsError.MISSING_CONVERSATION_ID,
                                 Limits.MAX_ID_BYTES, ThreadsError.CONVERSATION_ID_TOO_LONG),
                        required(req.getAuthorIdBytes(), ThreadsError.MISSING_AUTHOR_ID,
                                 Limits.MAX_ID_BYTES, ThreadsError.AUTHOR_ID_TOO_LONG),
                        required(req.getTextBytes(), ThreadsError.MISSING_TEXT,
                                 Limits.MAX_TEXT_BYTES, ThreadsError.TEXT_TOO_LONG));
        if (invalid != null) {
            out.onError(invalid.toException());
            return;
        }
        messages.write(new NewMessage(namespace.get(), req.getConversationId(), req.getId(), req.getAuthorId(),
                                      req.getText(), nowMicros()),
                       out);
    }

    @Override
    public void listMessages(ListMessagesRequest req, StreamObserver<ListMessagesResponse> out) {
        final ThreadsError invalid =
                firstOf(required(req.getConversationIdBytes(), ThreadsError.MISSING_CONVERSATION_ID,
                                 Limits.MAX_ID_BYTES, ThreadsError.CONVERSATION_ID_TOO_LONG),
                        limitError(req.hasLimit(), req.getLimit()));
        if (invalid != null) {
            out.onError(invalid.toException());
            return;
        }
        final String ns = namespace.get();
        final long sentBefore = req.hasSentBefore() ? ceilMicros(req.getSentBefore()) : Long.MAX_VALUE;
        final int limit = pageSize(req.hasLimit(), req.getLimit());
        run(out, () -> ListMessagesResponse.newBuilder()
                                           .addAllMessages(store.listMessages(ns, req.getConversationId(),
                                                                              sentBefore, limit))
                                           .build());
    }

    @Override
    public void recentMessages(RecentMessagesRequest req, StreamObserver<RecentMessagesResponse> out) {
        ThreadsError invalid = null;
        if (req.getConversationIdsCount() == 0) {
            invalid = ThreadsError.MISSING_CONVERSATION_IDS;
        } else if (req.getConversationIdsCount() > Limits.MAX_CONVERSATION_IDS) {
            invalid = ThreadsError.TOO_MANY_CONVERSATION_IDS;
        } else {
            for (int i = 0; i < req.getConversationIdsCount() && invalid == null; i++) {
                invalid = required(req.getConversationIdsBytes(i), ThreadsError.MISSING_CONVERSATION_ID,
                                   Limits.MAX_ID_BYTES, ThreadsError.CONVERSATION_ID_TOO_LONG);
            }
        }
        invalid = firstOf(invalid, limitError(req.hasLimitPerConversation(), req.getLimitPerConversation()));
        if (invalid != null) {
            out.onError(invalid.toException());
            return;
        }
        final String ns = namespace.get();
        final List<String> ids = List.copyOf(new LinkedHashSet<>(req.getConversationIdsList()));
        final int limit = pageSize(req.hasLimitPerConversation(), req.getLimitPerConversation());
        run(out, () -> RecentMessagesResponse.newBuilder()
                                             .addAllMessages(store.recentMessages(ns, ids, limit))
                                             .build());
    }

    /** Runs a store call on the store executor and ends the call with its result. */
    private <T> void run(StreamObserver<T> out, StoreCalls.Call<T> call) {
        try {
            executor.execute(() -> {
                if (!StoreCalls.cancelled(out)) {
                    StoreCalls.answer(out, call);
                }
            });
        } catch (RejectedExecutionException e) {
            out.onError(ThreadsError.BUSY.toException());
        }
    }

    private long nowMicros() {
        final Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    private static String newId() {
        return UUID.randomUUID().toString();
    }

    /**
     * As many CreateMessage calls may wait to be written as other calls may wait for the store
     * executor: the capacity of its queue, if it is a {@link ThreadPoolExecutor} as
     * {@link StoreExecutor} makes, else {@value #DEFAULT_QUEUE_CAPACITY}.
     */
    private static int queueCapacity(Executor executor) {
        if (!(executor instanceof ThreadPoolExecutor pool)) {
            return DEFAULT_QUEUE_CAPACITY;
        }
        final BlockingQueue<Runnable> queue = pool.getQueue();
        return Math.max(1, queue.size() + queue.remainingCapacity());
    }

    /** The smallest whole microsecond at or after the timestamp, saturating at the long range. */
    private static long ceilMicros(Timestamp t) {
        if (Math.abs(t.getSeconds()) >= Long.MAX_VALUE / 1_000_000L - 1) {
            return t.getSeconds() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        return t.getSeconds() * 1_000_000L + (t.getNanos() + 999) / 1000;
    }

    private static int pageSize(boolean present, Int32Value limit) {
        return present && limit.getValue() > 0 ? limit.getValue() : Limits.DEFAULT_PAGE;
    }

    private static ThreadsError limitError(boolean present, Int32Value limit) {
        return present && (limit.getValue() < 0 || limit.getValue() > Limits.MAX_PAGE)
               ? ThreadsError.INVALID_LIMIT : null;
    }

    private static ThreadsError required(ByteString value, ThreadsError missing, int maxBytes,
                                         ThreadsError tooLong) {
        return value.isEmpty() ? missing : value.size() > maxBytes ? tooLong : null;
    }

    private static ThreadsError optional(ByteString value, int maxBytes, ThreadsError tooLong) {
        return value.size() > maxBytes ? tooLong : null;
    }

    private static ThreadsError firstOf(ThreadsError... errors) {
        for (ThreadsError error : errors) {
            if (error != null) {
                return error;
            }
        }
        return null;
    }

    /** Builds a {@link Threads} service. */
    public static final class Builder {

        private ThreadStore store;
        private Executor executor;
        private Clock clock = Clock.systemUTC();
        private Supplier<String> namespace = () -> DEFAULT_NAMESPACE;

        private Builder() {}

        /** Where conversations and messages are kept (required). */
        public Builder store(ThreadStore store) {
            this.store = requireNonNull(store, "store");
            return this;
        }

        /**
         * Where the blocking store calls run (required): size it to the store's connection pool
         * and bound its queue; a rejected call ends with RESOURCE_EXHAUSTED. CreateMessage calls
         * wait in a queue of their own, of the same capacity.
         */
        public Builder executor(Executor executor) {
            this.executor = requireNonNull(executor, "executor");
            return this;
        }

        /** The clock that stamps created_at and sent_at (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Names the namespace of the current call; it is read on the calling thread
         * (default: always {@value #DEFAULT_NAMESPACE}).
         */
        public Builder namespace(Supplier<String> namespace) {
            this.namespace = requireNonNull(namespace, "namespace");
            return this;
        }

        /** Returns the service. */
        public Threads build() {
            return new Threads(this);
        }
    }
}
