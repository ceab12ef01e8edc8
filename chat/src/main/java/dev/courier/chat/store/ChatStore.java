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
     * Stores a message at the end of its chat, unless a message with the same client_id is
     * already in the chat. A client_id the server made up for this message cannot be in the chat
     * yet ({@code clientChoseId} false), so none is looked for.
     *
     * @return the stored message and whether this call stored it, or empty if the chat does not
     *         exist
     */
    Optional<Sent> send(String namespace, Message message, boolean clientChoseId);

    /**
     * Returns up to {@code limit} messages of a chat, oldest first: the newest ones, or those just
     * before {@code beforeId}, or those just after {@code afterId} (at most one of them is set).
     *
     * @return the messages, or empty if the chat, or the message named by a cursor, does not exist
     */
    Optional<List<Message>> history(String namespace, String chatId, String beforeId, String afterId, int limit);

    /** A message as stored, and whether the call that returned it stored it. */
    record Sent(Message message, boolean isNew) {}
}
