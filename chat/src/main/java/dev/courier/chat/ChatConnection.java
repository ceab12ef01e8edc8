package dev.courier.chat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.courier.proto.chat.Message;
import dev.courier.streams.bus.Bus;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * The sending side of one Connect stream: messages of the chat arrive from the bus on any thread,
 * wait in a bounded queue, and are written by one drain loop only while the transport is ready.
 * A client that stops reading fills the queue and is ended with {@link ChatError#SLOW_CONSUMER}
 * instead of holding memory or delaying the others.
 */
final class ChatConnection implements Bus.Listener {

    private final String id = UUID.randomUUID().toString();
    private final byte[] idBytes = id.getBytes(StandardCharsets.US_ASCII);
    private final ServerCallStreamObserver<Message> out;
    private final int capacity;
    private final ConcurrentLinkedQueue<Message> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger drains = new AtomicInteger();

    /** How the stream ends once the queue is written; null while it goes on. */
    private volatile StatusRuntimeException failure;
    private volatile boolean completing;
    /** Set once the stream has ended, by the drain loop or by the client's cancel. */
    private volatile boolean closed;
    private volatile Bus.Subscription subscription;

    ChatConnection(ServerCallStreamObserver<Message> out, int capacity) {
        this.out = out;
        this.capacity = capacity;
    }

    /** The id that marks this connection's own messages on the bus. */
    String id() {
        return id;
    }

    void subscribed(Bus.Subscription subscription) {
        this.subscription = subscription;
        if (closed) {
            subscription.close();
        }
    }

    @Override
    public void onPayload(byte[] payload) {
        if (closed || failure != null || Envelope.isFrom(payload, idBytes)) {
            return;
        }
        final Message message;
        try {
            message = Envelope.message(payload);
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        if (queued.incrementAndGet() > capacity) {
            fail(ChatError.SLOW_CONSUMER.toException());
            return;
        }
        queue.add(message);
        drain();
    }

    /** Ends the stream with an error, after nothing more; the queue is dropped. */
    void fail(StatusRuntimeException error) {
        if (failure == null) {
            failure = error;
        }
        drain();
    }

    /** Ends the stream normally once the queue is written. */
    void complete() {
        completing = true;
        drain();
    }

    /** Releases everything when the client has gone. */
    void cancelled() {
        closed = true;
        release();
    }

    /** Writes what the transport takes; only one thread at a time runs the loop. */
    void drain() {
        if (drains.getAndIncrement() != 0) {
            return;
        }
        do {
            if (closed) {
                queue.clear();
            } else if (failure != null) {
                closed = true;
                release();
                out.onError(failure);
            } else {
                Message message;
                while (out.isReady() && (message = queue.poll()) != null) {
                    queued.decrementAndGet();
                    out.onNext(message);
                }
                if (completing && queue.isEmpty()) {
                    closed = true;
                    release();
                    out.onCompleted();
                }
            }
        } while (drains.decrementAndGet() != 0);
    }

    private void release() {
        final Bus.Subscription current = subscription;
        if (current != null) {
            current.close();
        }
        queue.clear();
    }
}
