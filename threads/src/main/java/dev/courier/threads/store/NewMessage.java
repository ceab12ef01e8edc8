package dev.courier.threads.store;

import static java.util.Objects.requireNonNull;

/**
 * A message to store with {@link ThreadStore#createMessages}.
 *
 * @param namespace the namespace of its conversation
 * @param conversationId the conversation it is sent to
 * @param id the client's id for it, or empty to have the store make one
 * @param authorId who wrote it
 * @param text what it says
 * @param nowMicros when it was sent; the store moves it later if the conversation already has a
 *                  message sent at or after it
 */
public record NewMessage(String namespace, String conversationId, String id, String authorId, String text,
                         long nowMicros) {

    /** Checks that no field is null. */
    public NewMessage {
        requireNonNull(namespace, "namespace");
        requireNonNull(conversationId, "conversationId");
        requireNonNull(id, "id");
        requireNonNull(authorId, "authorId");
        requireNonNull(text, "text");
    }
}
