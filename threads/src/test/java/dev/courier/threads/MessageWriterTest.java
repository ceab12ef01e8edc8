package dev.courier.threads;

import static dev.courier.threads.Outcome.assertFails;
import static io.grpc.Status.Code.INTERNAL;
import static io.grpc.Status.Code.NOT_FOUND;
import static io.grpc.Status.Code.RESOURCE_EXHAUSTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.CreateMessageResponse;
import dev.courier.proto.threads.Message;
import dev.courier.threads.store.MessageResult;
import dev.courier.threads.store.NewMessage;
import dev.courier.threads.store.ThreadStore;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * How CreateMessage calls are batched: what queues while a batch is written goes into the next
 * one, up to the largest batch, and every call is answered exactly once, or refused with BUSY.
 */
class MessageWriterTest {

    private final ExecutorService executor = StoreExecutor.create("writer-test", 4, 64);
    private final BatchStore store = new BatchStore();

    @AfterEach
    void stop() throws InterruptedException {
        store.releaseFirstBatch.countDown();
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS), "store threads did not stop");
    }

    @Test
    void callsQueuedWhileABatchIsWrittenAreWrittenTogether() throws InterruptedException {
        final MessageWriter writer = new MessageWriter(store, executor, 100, 10, 1);
        final List<Call> calls = new ArrayList<>();
        calls.add(write(writer, "m0"));
        assertTrue(store.firstBatchEntered.await(10, TimeUnit.SECONDS), "the first batch never reached the store");
        for (int i = 1; i < 25; i++) {
            calls.add(write(writer, "m" + i));
        }

        store.releaseFirstBatch.countDown();

        for (Call call : calls) {
            assertEquals(call.text, call.message().getText());
        }
        assertEquals(List.of(texts(0, 1), texts(1, 11), texts(11, 21), texts(21, 25)), store.batchTexts());
    }

    @Test
    void aFullQueueEndsTheCallWithBusy() throws InterruptedException {
        final MessageWriter writer = new MessageWriter(store, executor, 3, 10, 1);
        final Call writing = write(writer, "m0");
        assertTrue(store.firstBatchEntered.await(10, TimeUnit.SECONDS), "the first batch never reached the store");
        final List<Call> queued = List.of(write(writer, "m1"), write(writer, "m2"), write(writer, "m3"));

        final Call refused = write(writer, "m4");

        refused.assertFailed(RESOURCE_EXHAUSTED, "BUSY");
        store.releaseFirstBatch.countDown();
        assertEquals("m0", writing.message().getText());
        for (Call call : queued) {
            assertEquals(call.text, call.message().getText());
        }
        assertEquals(List.of(texts(0, 1), texts(1, 4)), store.batchTexts());
    }

    @Test
    void anExecutorThatRefusesTheDrainEndsTheQueuedCallsWithBusy() throws InterruptedException {
        final MessageWriter writer = new MessageWriter(store, command -> {
            throw new RejectedExecutionException("shut down");
        }, 2, 10, 1);

        final List<Call> calls = List.of(write(writer, "m0"), write(writer, "m1"), write(writer, "m2"));

        for (Call call : calls) {
            call.assertFailed(RESOURCE_EXHAUSTED, "BUSY");
        }
        assertEquals(List.of(), store.batchTexts());
    }

    @Test
    void eachCallOfABatchGetsItsOwnOutcome() throws InterruptedException {
        final MessageWriter writer = new MessageWriter(store, executor, 100, 10, 1);
        final Call first = write(writer, "m0");
        assertTrue(store.firstBatchEntered.await(10, TimeUnit.SECONDS), "the first batch never reached the store");
        final Call stored = write(writer, "stored");
        final Call missing = write(writer, BatchStore.NO_CONVERSATION);
        final Call failed = write(writer, BatchStore.FAILS);
        final Call gone = write(writer, "gone");
        gone.cancelled = true;
        final Call after = write(writer, "after");

        store.releaseFirstBatch.countDown();

        assertEquals("m0", first.message().getText());
        assertEquals("stored", stored.message().getText());
        missing.assertFailed(NOT_FOUND, "NOT_FOUND");
        failed.assertFailed(INTERNAL, "STORAGE_ERROR");
        assertEquals("after", after.message().getText());
        // The cancelled call is neither written nor answered.
        assertEquals(List.of(List.of("m0"), List.of("stored", BatchStore.NO_CONVERSATION, BatchStore.FAILS, "after")),
                     store.batchTexts());
        assertEquals(List.of(), gone.events);
    }

    @Test
    void aStoreThatThrowsFailsEveryCallOfTheBatch() throws InterruptedException {
        final ThreadStore throwing = new BatchStore() {
            @Override
            public List<MessageResult> createMessages(List<NewMessage> messages) {
                throw new IllegalStateException("broken");
            }
        };
        final MessageWriter writer = new MessageWriter(throwing, executor, 100, 10, 1);

        write(writer, "m0").assertFailed(INTERNAL, "STORAGE_ERROR");
    }

    /** Many writers at once, on the drains Threads runs: no call lost or answered twice. */
    @Test
    void concurrentWritersAreEachAnsweredOnce() throws Exception {
        final int maxBatch = 8;
        final MessageWriter writer = new MessageWriter(store, executor, 10_000, maxBatch, MessageWriter.DRAINS);
        store.releaseFirstBatch.countDown();
        final int writers = 16;
        final int perWriter = 200;
        final List<Callable<List<Call>>> tasks = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            final int first = w * perWriter;
            tasks.add(() -> IntStream.range(first, first + perWriter).mapToObj(i -> write(writer, "m" + i)).toList());
        }

        final List<Call> calls = Concurrently.run(tasks).stream().flatMap(List::stream).toList();

        for (Call call : calls) {
            assertEquals(call.text, call.message().getText());
        }
        final List<String> written = store.batchTexts().stream().flatMap(List::stream).toList();
        assertEquals(writers * perWriter, written.size());
        assertEquals(writers * perWriter, new HashSet<>(written).size());
        assertTrue(store.batchTexts().stream().allMatch(batch -> batch.size() <= maxBatch), "a batch over the limit");
        assertTrue(store.mostWritingAtOnce.get() <= MessageWriter.DRAINS,
                   () -> store.mostWritingAtOnce.get() + " batches written at once");
    }

    private static Call write(MessageWriter writer, String text) {
        final Call call = new Call(text);
        writer.write(new NewMessage("ns", "c", "", "ann", text, 0), call);
        return call;
    }

    private static List<String> texts(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "m" + i).toList();
    }

    /** A CreateMessage call, recording every event that ends it. */
    private static final class Call extends ServerCallStreamObserver<CreateMessageResponse> {

        final String text;
        final List<Object> events = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch ended = new CountDownLatch(1);
        volatile boolean cancelled;

        Call(String text) {
            this.text = text;
        }

        /** Awaits the end of the call; asserts it was answered exactly once, with a message. */
        Message message() throws InterruptedException {
            assertTrue(ended.await(10, TimeUnit.SECONDS), () -> text + " was never answered");
            assertEquals(2, events.size(), () -> text + " ended with " + events);
            assertEquals("completed", events.get(1));
            return ((CreateMessageResponse) events.get(0)).getMessage();
        }

        /** Awaits the end of the call; asserts it failed once, with this code and error id. */
        void assertFailed(Status.Code code, String reason) throws InterruptedException {
            assertTrue(ended.await(10, TimeUnit.SECONDS), () -> text + " was never answered");
            assertEquals(1, events.size(), () -> text + " ended with " + events);
            assertFails(code, reason, () -> {
                throw (StatusRuntimeException) events.get(0);
            });
        }

        @Override
        public void onNext(CreateMessageResponse response) {
            events.add(response);
        }

        @Override
        public void onError(Throwable t) {
            events.add(t);
            ended.countDown();
        }

        @Override
        public void onCompleted() {
            events.add("completed");
            ended.countDown();
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public void setOnCancelHandler(Runnable onCancelHandler) {}

        @Override
        public void setCompression(String compression) {}

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {}

        @Override
        public void disableAutoInboundFlowControl() {}

        @Override
        public void request(int count) {}

        @Override
        public void setMessageCompression(boolean enable) {}
    }

    /**
     * A store that records the batches it is given, holds the first until released, and stores
     * every message but two kinds: one to a conversation that does not exist, and one it fails.
     */
    private static class BatchStore implements ThreadStore {

        static final String NO_CONVERSATION = "to no conversation";
        static final String FAILS = "fails";

        final CountDownLatch firstBatchEntered = new CountDownLatch(1);
        final CountDownLatch releaseFirstBatch = new CountDownLatch(1);
        final AtomicInteger mostWritingAtOnce = new AtomicInteger();
        private final AtomicBoolean first = new AtomicBoolean(true);
        private final AtomicInteger writing = new AtomicInteger();
        private final List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());

        List<List<String>> batchTexts() {
            synchronized (batches) {
                return List.copyOf(batches);
            }
        }

        @Override
        public List<MessageResult> createMessages(List<NewMessage> messages) {
            mostWritingAtOnce.accumulateAndGet(writing.incrementAndGet(), Math::max);
            try {
                batches.add(messages.stream().map(NewMessage::text).toList());
                if (first.compareAndSet(true, false)) {
                    firstBatchEntered.countDown();
                    assertTrue(releaseFirstBatch.await(10, TimeUnit.SECONDS), "the first batch was never released");
                }
                return messages.stream().map(BatchStore::result).toList();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                writing.decrementAndGet();
            }
        }

        private static MessageResult result(NewMessage message) {
            return switch (message.text()) {
                case NO_CONVERSATION -> MessageResult.of(Optional.empty());
                case FAILS -> MessageResult.failed(new IllegalStateException("refused"));
                default -> MessageResult.of(Optional.of(Message.newBuilder()
                                                               .setId(message.text())
                                                               .setConversationId(message.conversationId())
                                                               .setAuthorId(message.authorId())
                                                               .setText(message.text())
                                                               .build()));
            };
        }

        @Override
        public Conversation createConversation(String namespace, String id, String groupId, String topic,
                                               long createdAtMicros) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Conversation> readConversation(String namespace, String id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Conversation> updateTopic(String namespace, String id, String topic) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean deleteConversation(String namespace, String id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Conversation> listConversations(String namespace, String groupId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Message> listMessages(String namespace, String conversationId, long sentBeforeMicros,
                                          int limit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Message> recentMessages(String namespace, List<String> conversationIds,
                                            int limitPerConversation) {
            throw new UnsupportedOperationException();
        }
    }
}
