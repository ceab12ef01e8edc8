-- Messages keyed by their place in the conversation, (namespace, conversation_id, sent_at): the
-- order ListMessages and RecentMessages read, and the only index a message needs when the server
-- makes its id. Every message also used to go into a unique index on its id, the primary key
-- then, which cost CreateMessage a third of its server time; ids the server makes are unique by
-- construction (MessageIds) and need no index.
--
-- Ids chosen by clients, which make CreateMessage safe to retry, are kept in message_ids with
-- the message's sent_at, so that a retry finds its message.
--
-- The foreign key to conversations goes too: a message is written only while its conversation's
-- row is locked, and DeleteConversation takes that lock before deleting the messages.

CREATE TABLE messages_keyed_by_time (
    namespace        VARCHAR(64)    NOT NULL,
    conversation_id  VARCHAR(128)   NOT NULL,
    id               VARCHAR(128)   NOT NULL,
    author_id        VARCHAR(128)   NOT NULL,
    text             VARCHAR(65536) NOT NULL,
    sent_at          BIGINT         NOT NULL,
    CONSTRAINT messages_by_sent_at PRIMARY KEY (namespace, conversation_id, sent_at)
);

INSERT INTO messages_keyed_by_time (namespace, conversation_id, id, author_id, text, sent_at)
SELECT namespace, conversation_id, id, author_id, text, sent_at FROM messages;

CREATE TABLE message_ids (
    namespace        VARCHAR(64)   NOT NULL,
    conversation_id  VARCHAR(128)  NOT NULL,
    id               VARCHAR(128)  NOT NULL,
    sent_at          BIGINT        NOT NULL,
    PRIMARY KEY (namespace, conversation_id, id)
);

-- Which of the ids stored so far a client chose was not recorded: all of them stay findable.
INSERT INTO message_ids (namespace, conversation_id, id, sent_at)
SELECT namespace, conversation_id, id, sent_at FROM messages;

DROP TABLE messages;

ALTER TABLE messages_keyed_by_time RENAME TO messages;
