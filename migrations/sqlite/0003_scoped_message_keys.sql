-- Idempotency keys scoped to their sender in a column of their own. A chat key used to be
-- "sender:client_id" in one string, and both parts may contain ':', so one customer's key
-- could name another customer's message. Keys unique across their channel (email
-- Message-IDs, threading keys) have the empty scope.

CREATE TABLE message_keys_new (
    channel      TEXT NOT NULL,
    scope        TEXT NOT NULL DEFAULT '',
    key          TEXT NOT NULL,
    message_id   TEXT NOT NULL REFERENCES messages(id),
    PRIMARY KEY (channel, scope, key)
) WITHOUT ROWID;
INSERT INTO message_keys_new (channel, scope, key, message_id) SELECT channel, '', key, message_id FROM message_keys;
DROP TABLE message_keys;
ALTER TABLE message_keys_new RENAME TO message_keys;
CREATE INDEX message_keys_message ON message_keys(message_id);
