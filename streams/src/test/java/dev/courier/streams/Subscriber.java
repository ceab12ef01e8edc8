package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.courier.proto.streams.Message;
import dev.courier.proto.streams.SubscribeRequest;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

/**
 * The client side of one Subscribe call: keeps what arrives and how the call ended. A reading
 * subscriber asks for each next message as it gets one; a stalled one never asks for any.
 */
final class Subscriber implements ClientResponseObserver<SubscribeRequest, Message> {

    private static final long TIMEOUT_SECONDS = 10;

    /** A subscriber that reads every message. */
    static Subscriber reading() {
        return new Subscriber(true);
    }

    /** A subscriber that never asks for a message, as a client that stopped reading. */
    static Subscriber stalled() {
        return new Subscriber(false);
    }

    private final boolean reads;
    private final List<Message> messages = new ArrayList<>();
    private final Semaphore arrivals = new Semaphore(0);
    private final CompletableFuture<Throwable> ended = new CompletableFuture<>();
    private volatile ClientCallStreamObserver<SubscribeRequest> call;
    private int awaited;

    private Subscriber(boolean reads) {
        this.reads = reads;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
        call = requestStream;
        if (!reads) {
            requestStream.disableAutoRequestWithInitial(0);
        }
    }

    @Override
    public void onNext(Message message) {
        synchronized (messages) {
            messages.add(message);
        }
        arrivals.release();
    }

    @Override
    public void onError(Throwable error) {
        ended.complete(error);
    }

    @Override
    public void onCompleted() {
        ended.completeExceptionally(new AssertionError("Subscribe completed; it should run until cancelled"));
    }

    /** Waits until {@code total} messages have arrived since the call started. */
    void awaitReceived(int total) throws InterruptedException {
        final int more = total - awaited;
        assertTrue(arrivals.tryAcquire(more, TIMEOUT_SECONDS, TimeUnit.SECONDS),
                   () -> "messages received: " + messages().size() + " (expected: " + total + ')');
        awaited = total;
    }

    /** What has arrived so far, in order. */
    List<Message> messages() {
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    /** Waits for the call to end with an error, and returns it. */
    Throwable awaitError() throws Exception {
        return ended.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Whether the call has ended. */
    boolean hasEnded() {
        return ended.isDone();
    }

    /** Cancels the call, as a client that goes away. */
    void cancel() {
        call.cancel("the test is done with it", null);
    }
}
