-- Fewer pages written per message. `messages_conversation` duplicated what the unique
-- (conversation_id, seq) index already gives every lookup by conversation, and a key table
-- without rowids keeps each key in one b-tree instead of a table plus its index.

DROP INDEX messages_conversation;

CREATE TABLE message_keys_new (
    channel      TEXT NOT NULL,
    key          TEXT NOT NULL,
    message_id   TEXT NOT NULL REFERENCES messages(id),
    PRIMARY KEY (channel, key)
) WITHOUT ROWID;
INSERT INTO message_keys_new (channel, key, message_id) SELECT channel, key, message_id FROM message_keys;
DROP TABLE message_keys;
ALTER TABLE message_keys_new RENAME TO message_keys;
CREATE INDEX message_keys_message ON message_keys(message_id);
