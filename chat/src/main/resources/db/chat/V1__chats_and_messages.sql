-- Chats and their messages, keyed by namespace first like every table.

CREATE TABLE chats (
    namespace   VARCHAR(64)    NOT NULL,
    -- Derived from the set of users, so New is deterministic and idempotent.
    id          VARCHAR(64)    NOT NULL,
    -- The users, sorted and newline-separated.
    user_ids    VARCHAR(131072) NOT NULL,
    created_at  BIGINT         NOT NULL,
    -- seq of the newest message; the next one gets last_seq + 1.
    last_seq    BIGINT         NOT NULL,
    PRIMARY KEY (namespace, id)
);

CREATE TABLE chat_messages (
    namespace  VARCHAR(64)    NOT NULL,
    chat_id    VARCHAR(64)    NOT NULL,
    -- Position in the chat: History's order and paging cursor.
    seq        BIGINT         NOT NULL,
    id         VARCHAR(64)    NOT NULL,
    client_id  VARCHAR(128)   NOT NULL,
    user_id    VARCHAR(128)   NOT NULL,
    subject    VARCHAR(1024)  NOT NULL,
    text       VARCHAR(65536) NOT NULL,
    sent_at    BIGINT         NOT NULL,
    PRIMARY KEY (namespace, chat_id, seq),
    FOREIGN KEY (namespace, chat_id) REFERENCES chats (namespace, id)
);

-- A client_id is stored once per chat: retries of a send find the first one.
CREATE UNIQUE INDEX chat_messages_by_client_id ON chat_messages (namespace, chat_id, client_id);
-- History pages by message id.
CREATE UNIQUE INDEX chat_messages_by_id ON chat_messages (namespace, chat_id, id);
