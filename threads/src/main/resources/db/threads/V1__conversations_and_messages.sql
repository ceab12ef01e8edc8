-- Every row carries the namespace (tenant) it belongs to, first in every key, so tenants
-- stay isolated by the indexes themselves.
-- Instants are microseconds since the Unix epoch: exact on every database, and fine enough
-- that sent_at stays a unique, strictly increasing cursor within a conversation.

CREATE TABLE conversations (
    namespace     VARCHAR(64)   NOT NULL,
    id            VARCHAR(128)  NOT NULL,
    group_id      VARCHAR(128)  NOT NULL,
    topic         VARCHAR(1024) NOT NULL,
    created_at    BIGINT        NOT NULL,
    -- sent_at of the newest message; the next one gets max(now, last_sent_at + 1).
    last_sent_at  BIGINT        NOT NULL,
    PRIMARY KEY (namespace, id)
);

-- ListConversations: the conversations of a group in creation order.
CREATE INDEX conversations_by_group ON conversations (namespace, group_id, created_at);

CREATE TABLE messages (
    namespace        VARCHAR(64)    NOT NULL,
    conversation_id  VARCHAR(128)   NOT NULL,
    id               VARCHAR(128)   NOT NULL,
    author_id        VARCHAR(128)   NOT NULL,
    text             VARCHAR(65536) NOT NULL,
    sent_at          BIGINT         NOT NULL,
    PRIMARY KEY (namespace, conversation_id, id),
    FOREIGN KEY (namespace, conversation_id) REFERENCES conversations (namespace, id)
);

-- ListMessages and RecentMessages: one range scan of this index per conversation, newest
-- first, whatever the number of messages stored. Unique, as sent_at is the paging cursor.
CREATE UNIQUE INDEX messages_by_time ON messages (namespace, conversation_id, sent_at);
