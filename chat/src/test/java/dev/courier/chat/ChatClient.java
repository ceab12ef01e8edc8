package dev.courier.chat;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.courier.proto.chat.Message;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

/**
 * The client end of one Connect stream: what arrives is queued for the test to take, and how the
 * stream ended is kept. Only one test thread sends on it.
 */
final class ChatClient implements ClientResponseObserver<Message, Message> {

    private final boolean reading;
    private final BlockingQueue<Message> received = new LinkedBlockingQueue<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile Throwable error;
    private volatile ClientCallStreamObserver<Message> requestStream;

    /** A client that is not {@code reading} requests no message at all. */
    ChatClient(boolean reading) {
        this.reading = reading;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Message> requestStream) {
        this.requestStream = requestStream;
        if (!reading) {
            requestStream.disableAutoRequestWithInitial(0);
        }
    }

    @Override
    public void onNext(Message message) {
        received.add(message);
    }

    @Override
    public void onError(Throwable t) {
        error = t;
        ended.countDown();
    }

    @Override
    public void onCompleted() {
        ended.countDown();
    }

    /** Sends a message on the stream. */
    void send(Message message) {
        requestStream.onNext(message);
    }

    /** Half-closes the stream: the client sends nothing more. */
    void complete() {
        requestStream.onCompleted();
    }

    /** Cancels the stream, as a client that goes away does. */
    void cancel() {
        requestStream.cancel("the test client leaves", null);
    }

    /** The next message that arrives, failing after {@link RunningChat#TIMEOUT}. */
    Message next() throws InterruptedException {
        final Message message = received.poll(RunningChat.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(message, () -> "no message within " + RunningChat.TIMEOUT + "; stream ended: " + hasEnded() +
                                     ", error: " + error);
        return message;
    }

    /** The next {@code count} messages, in the order they arrive. */
    List<Message> next(int count) throws InterruptedException {
        final List<Message> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            messages.add(next());
        }
        return messages;
    }

    /** Messages that arrived and were not taken yet. */
    int pending() {
        return received.size();
    }

    boolean hasEnded() {
        return ended.getCount() == 0;
    }

    /** Waits for the stream to end; returns the error it ended with, or null if it completed. */
    Throwable awaitEnd() throws InterruptedException {
        assertTrue(ended.await(RunningChat.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
                   () -> "the stream did not end within " + RunningChat.TIMEOUT);
        return error;
    }

    /** Waits for the stream to end and returns its status. */
    Status awaitStatus() throws InterruptedException {
        final Throwable endedWith = awaitEnd();
        return endedWith == null ? Status.OK : Status.fromThrowable(endedWith);
    }
}
