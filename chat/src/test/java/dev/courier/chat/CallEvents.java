package dev.courier.chat;

import java.time.Duration;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Counts, over every call of a server, the client half-closes the service has handled and the
 * calls the service has closed, so a test can look at a stream right after its client completed.
 */
final class CallEvents implements ServerInterceptor {

    private int halfClosesHandled;
    private int closed;

    @Override
    public <I, O> ServerCall.Listener<I> interceptCall(ServerCall<I, O> call, Metadata headers,
                                                      ServerCallHandler<I, O> next) {
        final ServerCall<I, O> counted = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                counted(0, 1);
                super.close(status, trailers);
            }
        };
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(counted, headers)) {
            @Override
            public void onHalfClose() {
                try {
                    super.onHalfClose();
                } finally {
                    counted(1, 0);
                }
            }
        };
    }

    /** Calls the service has closed so far. */
    synchronized int closed() {
        return closed;
    }

    /** Waits until the service has handled {@code expected} half-closes in all. */
    synchronized void awaitHalfClosesHandled(int expected, Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (halfClosesHandled < expected) {
            final long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMillis <= 0) {
                throw new AssertionError("half-closes handled: " + halfClosesHandled + " (expected: " + expected +
                                         " within " + timeout + ')');
            }
            wait(remainingMillis);
        }
    }

    private synchronized void counted(int moreHalfCloses, int moreClosed) {
        halfClosesHandled += moreHalfCloses;
        closed += moreClosed;
        notifyAll();
    }
}
