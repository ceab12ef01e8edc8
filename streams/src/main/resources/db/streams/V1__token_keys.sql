-- The secret that signs Streams tokens. Kept in the shared database so that a token minted on
-- one node is accepted by every node.
CREATE TABLE streams_token_keys (
    id      VARCHAR(32)  NOT NULL,
    secret  VARCHAR(128) NOT NULL,
    PRIMARY KEY (id)
);
