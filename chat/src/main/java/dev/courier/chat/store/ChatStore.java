package dev.courier.chat.store;

import java.util.List;
import java.util.Optional;

import dev.courier.proto.chat.Message;

/**
 * Where Chat keeps chats and messages, scoped by namespace. Calls block; callers run them off
 * event loops.
 */
public interface ChatStore {

    /** Stores the chat of these (sorted, distinct) users unless it exists. */
    void createChat(String namespace, String chatId, List<String> userIds, long createdAtSeconds);

    /** Whether the chat exists. */
    boolean chatExists(String namespace, String chatId);

    /**
     * Stores messages at the end of their chats, in one transaction, in the order given: each
     * unless a message with the same client_id is already in its chat, or earlier in the list. A
     * client_id the server made up for its message cannot be in the chat yet ({@code
     * clientChoseId} false), so none is looked for. Throws, storing none of them, if the
     * transaction fails.
     *
     * @return for each message, in order, the stored message and whether this call stored it, or
     *         empty if its chat does not exist
     */
    List<Optional<Sent>> send(List<Outgoing> messages);

    /**
     * Returns up to {@code limit} messages of a chat, oldest first: the newest ones, or those just
     * before {@code beforeId}, or those just after {@code afterId} (at most one of them is set).
     *
     * @return the messages, or empty if the chat, or the message named by a cursor, does not exist
     */
    Optional<List<Message>> history(String namespace, String chatId, String beforeId, String afterId, int limit);

    /** A message to store in the chat it names, and whether its client_id came from the client. */
    record Outgoing(String namespace, Message message, boolean clientChoseId) {}

    /** A message as stored, and whether the call that returned it stored it. */
    record Sent(Message message, boolean isNew) {}
}
