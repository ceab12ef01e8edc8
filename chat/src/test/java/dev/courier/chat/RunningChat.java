package dev.courier.chat;

import static java.util.Objects.requireNonNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.zaxxer.hikari.HikariDataSource;

import dev.courier.chat.store.JdbcChatStore;
import dev.courier.proto.chat.ChatGrpc;
import dev.courier.proto.chat.HistoryRequest;
import dev.courier.proto.chat.Message;
import dev.courier.proto.chat.NewRequest;
import dev.courier.proto.chat.SendRequest;
import dev.courier.streams.bus.InProcessBus;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;

/**
 * Chat on a fresh, Flyway-migrated H2 file database and an in-process bus, served by an
 * in-process server under a name of its own, with a channel to it. One per test; {@link #close()}
 * releases all of it.
 */
final class RunningChat implements AutoCloseable {

    /** How long a test waits for anything: a call, a message, a stream's end. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Connections, and store threads to use them, as the production server pairs them. */
    private static final int POOL_SIZE = 8;
    /**
     * Without an SLF4J provider on the test classpath Flyway logs through java.util.logging; every
     * test migrates a database, and those INFO lines would bury failures. Held here, because
     * java.util.logging keeps loggers only weakly and would forget the level.
     */
    private static final Logger FLYWAY_LOGGER = Logger.getLogger("org.flywaydb");

    static {
        FLYWAY_LOGGER.setLevel(Level.WARNING);
    }

    private final HikariDataSource dataSource;
    private final ThreadPoolExecutor storeExecutor;
    private final CountingBus bus;
    private final CallEvents calls;
    private final Server server;
    private final ManagedChannel channel;

    private RunningChat(HikariDataSource dataSource, ThreadPoolExecutor storeExecutor, CountingBus bus,
                        CallEvents calls, Server server, ManagedChannel channel) {
        this.dataSource = dataSource;
        this.storeExecutor = storeExecutor;
        this.bus = bus;
        this.calls = calls;
        this.server = server;
        this.channel = channel;
    }

    /** Starts Chat on a new database in {@code dataDir} with the default connection queue. */
    static RunningChat start(Path dataDir, Clock clock) {
        return start(dataDir, clock, Limits.DEFAULT_QUEUE);
    }

    /** Starts Chat on a new database in {@code dataDir}, stamping time with {@code clock}. */
    static RunningChat start(Path dataDir, Clock clock, int connectionQueueSize) {
        requireNonNull(dataDir, "dataDir");
        requireNonNull(clock, "clock");
        final String name = "chat-test-" + UUID.randomUUID();
        final HikariDataSource dataSource = TestDatabase.open(dataDir, "chat", POOL_SIZE);
        final ThreadPoolExecutor storeExecutor = storeExecutor(name + "-store");
        final CountingBus bus = new CountingBus(new InProcessBus());
        final CallEvents calls = new CallEvents();
        try {
            final Chat service = Chat.builder()
                                     .store(JdbcChatStore.migrate(dataSource))
                                     .bus(bus)
                                     .executor(storeExecutor)
                                     .clock(clock)
                                     .connectionQueueSize(connectionQueueSize)
                                     .build();
            final Server server = InProcessServerBuilder.forName(name)
                                                        .directExecutor()
                                                        .addService(ServerInterceptors.intercept(service, calls))
                                                        .build()
                                                        .start();
            final ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
            return new RunningChat(dataSource, storeExecutor, bus, calls, server, channel);
        } catch (Exception e) {
            storeExecutor.shutdownNow();
            bus.close();
            dataSource.close();
            throw new IllegalStateException("Chat did not start", e);
        }
    }

    /** A fixed pool with a FIFO queue, which {@link #awaitStoreIdle()} relies on. */
    private static ThreadPoolExecutor storeExecutor(String name) {
        final AtomicInteger threads = new AtomicInteger();
        final ThreadPoolExecutor executor = new ThreadPoolExecutor(
                POOL_SIZE, POOL_SIZE, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                task -> new Thread(task, name + '-' + threads.incrementAndGet()));
        executor.prestartAllCoreThreads();
        return executor;
    }

    /** A blocking stub whose calls each get a deadline, counted from now. */
    ChatGrpc.ChatBlockingStub stub() {
        return ChatGrpc.newBlockingStub(channel).withDeadlineAfter(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The bus Chat publishes and subscribes on, counting subscriptions. */
    CountingBus bus() {
        return bus;
    }

    /** What happened to the server's calls. */
    CallEvents calls() {
        return calls;
    }

    /** The chat of these users, created by New. */
    String newChat(String... userIds) {
        return stub().new_(NewRequest.newBuilder().addAllUserIds(Arrays.asList(userIds)).build()).getChatId();
    }

    /** Sends a message with Send; an empty {@code clientId} leaves it to the server. */
    void send(String chatId, String userId, String clientId, String text) {
        stub().send(SendRequest.newBuilder()
                               .setChatId(chatId)
                               .setUserId(userId)
                               .setClientId(clientId)
                               .setText(text)
                               .build());
    }

    /** The whole history of a chat (up to the server's page cap), oldest first. */
    List<Message> history(String chatId) {
        return stub().history(HistoryRequest.newBuilder().setChatId(chatId).build()).getMessagesList();
    }

    /** Opens a Connect stream as {@code userId} on {@code chatId}, reading what arrives. */
    ChatClient connect(String chatId, String userId) {
        return connect(headers(chatId, userId), true);
    }

    /** Opens a Connect stream with these headers; a client that is not {@code reading} requests nothing. */
    ChatClient connect(Metadata headers, boolean reading) {
        final ChatClient client = new ChatClient(reading);
        ChatGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .connect(client);
        return client;
    }

    /** The metadata that names the chat and the user of a Connect stream. */
    static Metadata headers(String chatId, String userId) {
        final Metadata headers = new Metadata();
        headers.put(Chat.CHAT_ID_HEADER, chatId);
        headers.put(Chat.USER_ID_HEADER, userId);
        return headers;
    }

    /**
     * Returns once every store call queued so far has finished: see {@link #holdStore()}.
     */
    void awaitStoreIdle() throws InterruptedException {
        holdStore().close();
    }

    /**
     * Occupies every store thread until the returned hold is closed; returns once all of them are
     * held. The queue is FIFO, so by then every store call queued before has finished, and calls
     * made while the hold lasts wait for it.
     */
    StoreHold holdStore() throws InterruptedException {
        final CountDownLatch arrived = new CountDownLatch(POOL_SIZE);
        final CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < POOL_SIZE; i++) {
            storeExecutor.execute(() -> {
                arrived.countDown();
                try {
                    release.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        final StoreHold hold = release::countDown;
        if (!arrived.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            hold.close();
            throw new AssertionError("store calls still running after " + TIMEOUT);
        }
        return hold;
    }

    /** Closes the database under the store, so every store call from now on fails. */
    void closeDatabase() {
        dataSource.close();
    }

    /** Stops the store executor, so it rejects every store call from now on. */
    void stopStoreExecutor() {
        storeExecutor.shutdown();
    }

    /** Holds the store threads until closed. */
    @FunctionalInterface
    interface StoreHold extends AutoCloseable {

        /** Lets the store threads go. */
        @Override
        void close();
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
        server.awaitTermination(5, TimeUnit.SECONDS);
        storeExecutor.shutdownNow();
        storeExecutor.awaitTermination(5, TimeUnit.SECONDS);
        bus.close();
        dataSource.close();
    }
}
