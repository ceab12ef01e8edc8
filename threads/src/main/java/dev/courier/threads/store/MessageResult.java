package dev.courier.threads.store;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

import dev.courier.proto.threads.Message;

/**
 * What became of one message of {@link ThreadStore#createMessages}: the message as stored (or as
 * found under its client id), nothing if its conversation does not exist, or the failure that
 * kept it from being stored.
 */
public final class MessageResult {

    private static final MessageResult NO_CONVERSATION = new MessageResult(Optional.empty(), null);

    private final Optional<Message> message;
    private final RuntimeException failure;

    private MessageResult(Optional<Message> message, RuntimeException failure) {
        this.message = message;
        this.failure = failure;
    }

    /** The message as stored, or empty if its conversation does not exist. */
    public static MessageResult of(Optional<Message> message) {
        requireNonNull(message, "message");
        return message.isEmpty() ? NO_CONVERSATION : new MessageResult(message, null);
    }

    /** The message was not stored: {@code failure} says why. */
    public static MessageResult failed(RuntimeException failure) {
        return new MessageResult(Optional.empty(), requireNonNull(failure, "failure"));
    }

    /**
     * Returns the message as stored, or empty if its conversation does not exist.
     *
     * @throws RuntimeException the failure that kept it from being stored, a {@link StoreException}
     *                          when the database refused it
     */
    public Optional<Message> message() {
        if (failure != null) {
            throw failure;
        }
        return message;
    }

    @Override
    public String toString() {
        return failure != null ? "failed: " + failure : message.map(Message::getId).orElse("no conversation");
    }
}
