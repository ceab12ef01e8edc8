package dev.courier.threads;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.Int32Value;
import com.google.protobuf.Timestamp;
import com.zaxxer.hikari.HikariDataSource;

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.CreateConversationRequest;
import dev.courier.proto.threads.CreateMessageRequest;
import dev.courier.proto.threads.ListMessagesRequest;
import dev.courier.proto.threads.Message;
import dev.courier.proto.threads.ThreadsGrpc;
import dev.courier.threads.store.JdbcThreadStore;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;

/**
 * Threads on a fresh, Flyway-migrated H2 file database, served by an in-process server under a
 * name of its own, with a channel to it. One per test; {@link #close()} releases all of it.
 */
final class RunningThreads implements AutoCloseable {

    /** Connections, and store threads to use them, as the production server pairs them. */
    private static final int POOL_SIZE = 8;
    /** Bounds every call, so that a hung server fails a test instead of hanging the build. */
    private static final long DEADLINE_SECONDS = 20;

    private final HikariDataSource dataSource;
    private final ExecutorService storeExecutor;
    private final Server server;
    private final ManagedChannel channel;

    private RunningThreads(HikariDataSource dataSource, ExecutorService storeExecutor, Server server,
                           ManagedChannel channel) {
        this.dataSource = dataSource;
        this.storeExecutor = storeExecutor;
        this.server = server;
        this.channel = channel;
    }

    /** Starts Threads on a new database in {@code dataDir}, stamping time with {@code clock}. */
    static RunningThreads start(Path dataDir, Clock clock) {
        requireNonNull(dataDir, "dataDir");
        requireNonNull(clock, "clock");
        final String name = "threads-test-" + UUID.randomUUID();
        final HikariDataSource dataSource = TestDatabase.open(dataDir, "threads", POOL_SIZE);
        final ExecutorService storeExecutor = StoreExecutor.create(name + "-store", POOL_SIZE, 1024);
        try {
            final Server server = InProcessServerBuilder.forName(name)
                                                        .directExecutor()
                                                        .addService(Threads.builder()
                                                                           .store(JdbcThreadStore.migrate(
                                                                                   dataSource))
                                                                           .executor(storeExecutor)
                                                                           .clock(clock)
                                                                           .build())
                                                        .build()
                                                        .start();
            final ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
            return new RunningThreads(dataSource, storeExecutor, server, channel);
        } catch (Exception e) {
            storeExecutor.shutdownNow();
            dataSource.close();
            throw new IllegalStateException("Threads did not start", e);
        }
    }

    /** A blocking stub whose calls each get a deadline, counted from now. */
    ThreadsGrpc.ThreadsBlockingStub stub() {
        return ThreadsGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    Conversation createConversation(String groupId, String topic) {
        return stub().createConversation(CreateConversationRequest.newBuilder()
                                                                  .setGroupId(groupId)
                                                                  .setTopic(topic)
                                                                  .build())
                     .getConversation();
    }

    /** Writes a message by "ann" with an id assigned by the server. */
    Message createMessage(String conversationId, String text) {
        return createMessage(conversationId, "", text);
    }

    /** Writes a message by "ann" with the given client id (assigned by the server when empty). */
    Message createMessage(String conversationId, String id, String text) {
        return stub().createMessage(CreateMessageRequest.newBuilder()
                                                        .setId(id)
                                                        .setConversationId(conversationId)
                                                        .setAuthorId("ann")
                                                        .setText(text)
                                                        .build())
                     .getMessage();
    }

    /** One page of ListMessages; {@code sentBefore} may be null for the newest page. */
    List<Message> listMessages(String conversationId, Timestamp sentBefore, int limit) {
        final ListMessagesRequest.Builder request = ListMessagesRequest.newBuilder()
                                                                       .setConversationId(conversationId)
                                                                       .setLimit(Int32Value.of(limit));
        if (sentBefore != null) {
            request.setSentBefore(sentBefore);
        }
        return stub().listMessages(request.build()).getMessagesList();
    }

    /**
     * Pages back through a whole conversation, each page starting before the sent_at of the last
     * message of the previous one, and returns everything seen in the order seen.
     */
    List<Message> pageThrough(String conversationId, int pageSize) {
        final List<Message> seen = new ArrayList<>();
        Timestamp sentBefore = null;
        while (true) {
            final List<Message> page = listMessages(conversationId, sentBefore, pageSize);
            if (page.isEmpty()) {
                return seen;
            }
            seen.addAll(page);
            sentBefore = page.get(page.size() - 1).getSentAt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
        server.awaitTermination(5, TimeUnit.SECONDS);
        storeExecutor.shutdownNow();
        storeExecutor.awaitTermination(5, TimeUnit.SECONDS);
        dataSource.close();
    }
}
