package dev.courier.gateway;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;

/**
 * A unary call of a service in this process, made straight through its {@link ServerCallHandler}
 * (its interceptors included) for a JSON request: the request and the reply stay objects, and no
 * gRPC client or server call stands between the gateway and the service. It meets the same
 * interceptors, validation and status handling as a call over gRPC; an exception the service
 * throws ends it as grpc-java's server would end it.
 */
final class LocalCall extends ServerCall<Message, Message> {

    /** How a call ended: its status and trailers, and the reply when it is OK. */
    @FunctionalInterface
    interface Outcome {

        void closed(Status status, Metadata trailers, Message reply);
    }

    private final MethodDescriptor<Message, Message> method;
    private final Outcome outcome;
    private Message reply;
    private boolean closed;
    private volatile boolean cancelled;
    /** Set once the request has been handed over; until then a cancel is delivered by start. */
    private Listener<Message> started;

    private LocalCall(MethodDescriptor<Message, Message> method, Outcome outcome) {
        this.method = method;
        this.outcome = outcome;
    }

    /**
     * Makes the call: hands {@code request} to the handler, and tells {@code outcome} how it ended,
     * unless it is {@linkplain #cancel() cancelled} first.
     */
    static LocalCall start(ServerCallHandler<Message, Message> handler, MethodDescriptor<Message, Message> method,
                           Metadata headers, Message request, Outcome outcome) {
        final LocalCall call = new LocalCall(requireNonNull(method, "method"), requireNonNull(outcome, "outcome"));
        try {
            final Listener<Message> listener = handler.startCall(call, headers);
            listener.onReady();
            listener.onMessage(request);
            listener.onHalfClose();
            call.started(listener);
        } catch (RuntimeException e) {
            call.fail(e);
        }
        return call;
    }

    /**
     * Ends the call because its client has gone: the service sees {@link #isCancelled()} and its
     * cancel handler runs, so that work queued for the call is dropped, as for a gRPC client that
     * cancels; what the service answers afterwards goes nowhere, and the outcome is not told.
     */
    void cancel() {
        final Listener<Message> listener;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            cancelled = true;
            listener = started;
        }
        // Before the request was handed over, start delivers the cancel once it has been.
        if (listener != null) {
            listener.onCancel();
        }
    }

    private void started(Listener<Message> listener) {
        synchronized (this) {
            if (!cancelled) {
                started = listener;
                return;
            }
        }
        listener.onCancel();
    }

    private void fail(RuntimeException e) {
        final Status status = Status.fromThrowable(e);
        final Metadata trailers = Status.trailersFromThrowable(e);
        close(status.getCode() == Status.Code.UNKNOWN && status.getDescription() == null
              ? Status.UNKNOWN.withDescription("Application error processing RPC").withCause(e) : status,
              trailers != null ? trailers : new Metadata());
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public synchronized void sendMessage(Message message) {
        reply = message;
    }

    @Override
    public void close(Status status, Metadata trailers) {
        final Message sent;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            sent = reply;
        }
        outcome.closed(status, trailers, status.isOk() ? sent : null);
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public boolean isReady() {
        return true;
    }

    @Override
    public Attributes getAttributes() {
        return Attributes.EMPTY;
    }

    @Override
    public MethodDescriptor<Message, Message> getMethodDescriptor() {
        return method;
    }
}
