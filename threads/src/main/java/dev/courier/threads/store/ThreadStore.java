package dev.courier.threads.store;

import java.util.List;
import java.util.Optional;

import dev.courier.proto.threads.Conversation;
import dev.courier.proto.threads.Message;

/**
 * Where Threads keeps conversations and messages. Every call is scoped to a namespace: data of
 * one namespace is never visible from another. Calls block; callers run them off event loops.
 * Instants are microseconds since the Unix epoch.
 */
public interface ThreadStore {

    /** Stores a new conversation and returns it. */
    Conversation createConversation(String namespace, String id, String groupId, String topic,
                                    long createdAtMicros);

    /** Returns the conversation, or empty if there is none with that id. */
    Optional<Conversation> readConversation(String namespace, String id);

    /** Sets the topic of a conversation and returns it, or empty if there is none with that id. */
    Optional<Conversation> updateTopic(String namespace, String id, String topic);

    /**
     * Deletes a conversation and all of its messages in one transaction.
     *
     * @return whether the conversation existed
     */
    boolean deleteConversation(String namespace, String id);

    /** Returns the conversations of a group, oldest first. */
    List<Conversation> listConversations(String namespace, String groupId);

    /**
     * Stores a message, sent at {@code nowMicros} or, if that is not later than every earlier
     * sent_at of the conversation, just after them, so that sent_at is strictly increasing
     * within the conversation. If a message with the same id exists in the
     * conversation, returns it unchanged instead. An empty id asks for a new, unique one: such
     * a message cannot exist yet, so none is looked for.
     *
     * @return the message as stored, or empty if the conversation does not exist
     */
    default Optional<Message> createMessage(String namespace, String conversationId, String id,
                                            String authorId, String text, long nowMicros) {
        return createMessages(List.of(new NewMessage(namespace, conversationId, id, authorId, text, nowMicros)))
                .get(0).message();
    }

    /**
     * Stores messages, of any namespaces and conversations, as {@link #createMessage} stores each,
     * in one transaction where it can: within a conversation they are sent in list order, and a
     * client id that repeats in the list yields the message of its first occurrence. If the
     * transaction fails, each message is stored alone, so that one the database refuses fails
     * only itself.
     *
     * @return what became of each message, in list order
     */
    List<MessageResult> createMessages(List<NewMessage> messages);

    /** Returns up to {@code limit} messages sent strictly before the given instant, newest first. */
    List<Message> listMessages(String namespace, String conversationId, long sentBeforeMicros, int limit);

    /**
     * Returns, for each conversation in the order given, its newest {@code limitPerConversation}
     * messages, newest first.
     */
    List<Message> recentMessages(String namespace, List<String> conversationIds, int limitPerConversation);
}
