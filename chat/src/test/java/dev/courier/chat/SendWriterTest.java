package dev.courier.chat;

import static dev.courier.chat.RunningChat.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.InvalidProtocolBufferException;
import com.zaxxer.hikari.HikariDataSource;

import dev.courier.chat.store.ChatStore;
import dev.courier.chat.store.JdbcChatStore;
import dev.courier.proto.chat.Message;
import dev.courier.streams.bus.Bus;
import dev.courier.streams.bus.InProcessBus;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The writer that stores Chat's messages in batches, on a real database: what queues behind a
 * batch is stored as the next one, in order, and published in that order; one message that cannot
 * be stored fails alone.
 */
class SendWriterTest {

    private static final String NS = "default";

    @TempDir
    Path dataDir;

    private HikariDataSource dataSource;
    private GatedStore store;
    private Bus bus;
    private ExecutorService executor;
    private final List<Message> published = new CopyOnWriteArrayList<>();
    private String chatId;

    @BeforeEach
    void start() {
        dataSource = TestDatabase.open(dataDir, "chat", 4);
        store = new GatedStore(JdbcChatStore.migrate(dataSource));
        bus = new InProcessBus();
        executor = Executors.newFixedThreadPool(4);
        chatId = Chat.chatId(List.of("ann", "bob"));
        store.createChat(NS, chatId, List.of("ann", "bob"), 0);
        bus.subscribe(Chat.subject(NS, chatId), payload -> {
            try {
                published.add(Envelope.message(payload));
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        });
    }

    @AfterEach
    void stop() throws InterruptedException {
        store.open();
        executor.shutdown();
        executor.awaitTermination(10, TimeUnit.SECONDS);
        bus.close();
        dataSource.close();
    }

    @Test
    void messagesQueuedBehindABatchAreStoredAsTheNextOneInOrder() throws Exception {
        final SendWriter writer = writer(1, 100);
        final List<CompletableFuture<Void>> sent = new ArrayList<>();
        sent.add(send(writer, chatId, "", "first"));
        store.awaitHeld();
        for (int i = 0; i < 20; i++) {
            sent.add(send(writer, chatId, "c" + i, "text " + i));
        }
        store.open();
        awaitAll(sent);

        assertEquals(List.of(1, 20), store.batchSizes);
        final List<String> texts = texts(history());
        assertEquals(21, texts.size(), texts.toString());
        assertEquals("first", texts.get(0));
        for (int i = 0; i < 20; i++) {
            assertEquals("text " + i, texts.get(i + 1));
        }
        assertEquals(texts, texts(published));
    }

    @Test
    void aClientIdSentTwiceInOneBatchIsStoredOnce() throws Exception {
        final SendWriter writer = writer(1, 100);
        final CompletableFuture<Void> first = send(writer, chatId, "", "first");
        store.awaitHeld();
        final CompletableFuture<Void> once = send(writer, chatId, "dup", "once");
        final CompletableFuture<Void> again = send(writer, chatId, "dup", "again");
        final CompletableFuture<Void> after = send(writer, chatId, "other", "after");
        store.open();
        awaitAll(List.of(first, once, again, after));

        assertEquals(List.of(1, 3), store.batchSizes);
        assertEquals(List.of("first", "once", "after"), texts(history()));
        // Only what was stored is published: the retry's answer is the message already there.
        assertEquals(List.of("first", "once", "after"), texts(published));
    }

    @Test
    void aMessageForAChatThatDoesNotExistFailsAloneInItsBatch() throws Exception {
        final SendWriter writer = writer(1, 100);
        final CompletableFuture<Void> first = send(writer, chatId, "", "first");
        store.awaitHeld();
        final CompletableFuture<Void> lost = send(writer, "no-such-chat", "", "lost");
        final CompletableFuture<Void> kept = send(writer, chatId, "", "kept");
        store.open();

        assertEquals(Status.Code.NOT_FOUND, codeOf(lost));
        awaitAll(List.of(first, kept));
        assertEquals(List.of(1, 2), store.batchSizes);
        assertEquals(List.of("first", "kept"), texts(history()));
    }

    @Test
    void aBatchTheStoreRefusesIsStoredMessageByMessage() throws Exception {
        final SendWriter writer = writer(1, 100);
        final CompletableFuture<Void> first = send(writer, chatId, "", "first");
        store.awaitHeld();
        final CompletableFuture<Void> before = send(writer, chatId, "", "before");
        final CompletableFuture<Void> refused = send(writer, chatId, "", GatedStore.REFUSED);
        final CompletableFuture<Void> after = send(writer, chatId, "", "after");
        store.open();

        assertEquals(Status.Code.INTERNAL, codeOf(refused));
        awaitAll(List.of(first, before, after));
        assertEquals(List.of(1, 3, 1, 1, 1), store.batchSizes);
        assertEquals(List.of("first", "before", "after"), texts(history()));
        assertEquals(List.of("first", "before", "after"), texts(published));
    }

    @Test
    void aFullLaneRefusesMoreWithBusyAndLosesNothingItTook() throws Exception {
        final SendWriter writer = writer(1, 2);
        final CompletableFuture<Void> first = send(writer, chatId, "", "first");
        store.awaitHeld();
        final CompletableFuture<Void> second = send(writer, chatId, "", "second");
        final CompletableFuture<Void> third = send(writer, chatId, "", "third");
        final CompletableFuture<Void> refused = send(writer, chatId, "", "refused");

        assertEquals(Status.Code.RESOURCE_EXHAUSTED, codeOf(refused));
        store.open();
        awaitAll(List.of(first, second, third));
        assertEquals(List.of("first", "second", "third"), texts(history()));
    }

    @Test
    void chatsInOtherLanesDoNotWaitForABatchThatIsHeld() throws Exception {
        final SendWriter writer = writer(2, 100);
        final CompletableFuture<Void> held = send(writer, chatId, "", "held");
        store.awaitHeld();
        // A chat whose lane is the other one: the held batch takes only its own lane's thread.
        List<String> users = null;
        for (int i = 0; users == null; i++) {
            final List<String> candidate = List.of("cat", "user" + i);
            if (lane(Chat.chatId(candidate), 2) != lane(chatId, 2)) {
                users = candidate;
            }
        }
        final String other = Chat.chatId(users);
        store.createChat(NS, other, users, 0);
        final CompletableFuture<Void> free = send(writer, other, "", "free");

        free.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertFalse(held.isDone());
        store.open();
        held.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static int lane(String chatId, int lanes) {
        return Math.floorMod(NS.hashCode() * 31 + chatId.hashCode(), lanes);
    }

    private SendWriter writer(int lanes, int queueCapacity) {
        return new SendWriter(store, bus, executor, lanes, queueCapacity);
    }

    private static CompletableFuture<Void> send(SendWriter writer, String chatId, String clientId, String text) {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final Message message = Message.newBuilder()
                                       .setId(UUID.randomUUID().toString())
                                       .setClientId(clientId.isEmpty() ? UUID.randomUUID().toString()
                                                                       : clientId)
                                       .setChatId(chatId)
                                       .setUserId("ann")
                                       .setText(text)
                                       .build();
        writer.send(NS, message, !clientId.isEmpty(), "", new SendWriter.Sender() {
            @Override
            public void sent() {
                done.complete(null);
            }

            @Override
            public void failed(RuntimeException cause) {
                done.completeExceptionally(cause);
            }
        });
        return done;
    }

    private static void awaitAll(List<CompletableFuture<Void>> sent) throws Exception {
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** The code of the status a message failed with; anything else the store threw is INTERNAL. */
    private static Status.Code codeOf(CompletableFuture<Void> sent) throws InterruptedException {
        try {
            sent.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("the message was sent");
        } catch (ExecutionException e) {
            return e.getCause() instanceof StatusRuntimeException status ? status.getStatus().getCode()
                                                                          : Status.Code.INTERNAL;
        } catch (TimeoutException e) {
            throw new AssertionError("the message was never answered", e);
        }
    }

    private List<Message> history() {
        return store.history(NS, chatId, "", "", 1000).orElseThrow();
    }

    private static List<String> texts(List<Message> messages) {
        return messages.stream().map(Message::getText).toList();
    }

    /**
     * The real store, but its first batch waits until the test opens the gate, so that what is
     * sent meanwhile to the same lane queues behind it; it records every batch's size, and refuses any batch that
     * holds a message with the text {@link #REFUSED}.
     */
    private static final class GatedStore implements ChatStore {

        static final String REFUSED = "refused by the store";

        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        private final ChatStore delegate;
        private final CountDownLatch held = new CountDownLatch(1);
        private final CountDownLatch gate = new CountDownLatch(1);

        GatedStore(ChatStore delegate) {
            this.delegate = delegate;
        }

        void awaitHeld() throws InterruptedException {
            assertTrue(held.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "no batch reached the store");
        }

        void open() {
            gate.countDown();
        }

        @Override
        public List<Optional<Sent>> send(List<Outgoing> messages) {
            batchSizes.add(messages.size());
            if (held.getCount() > 0) {
                held.countDown();
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            if (messages.stream().anyMatch(outgoing -> REFUSED.equals(outgoing.message().getText()))) {
                throw new IllegalStateException("the database refuses this batch");
            }
            return delegate.send(messages);
        }

        @Override
        public void createChat(String namespace, String chatId, List<String> userIds, long createdAtSeconds) {
            delegate.createChat(namespace, chatId, userIds, createdAtSeconds);
        }

        @Override
        public boolean chatExists(String namespace, String chatId) {
            return delegate.chatExists(namespace, chatId);
        }

        @Override
        public Optional<List<Message>> history(String namespace, String chatId, String beforeId, String afterId,
                                               int limit) {
            return delegate.history(namespace, chatId, beforeId, afterId, limit);
        }
    }
}
