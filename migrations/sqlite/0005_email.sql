-- What the email channel needs of the conversation model.
--
-- A conversation's public reference (`[#K3F9Q2MX]` in email subjects), the adapter account it
-- came in on (the mailbox replies leave through), and the conversation it follows when a
-- customer wrote again long after the earlier one was resolved.
ALTER TABLE conversations ADD COLUMN reference TEXT;
ALTER TABLE conversations ADD COLUMN account TEXT;
ALTER TABLE conversations ADD COLUMN follows TEXT;
CREATE INDEX conversations_reference ON conversations(reference);

-- Per message, as JSON: what an agent sees of an email (from, to, cc, authentication), the
-- attachments kept, the cc an agent added to a reply; and the raw original, as a blob.
ALTER TABLE messages ADD COLUMN email TEXT;
ALTER TABLE messages ADD COLUMN attachments TEXT;
ALTER TABLE messages ADD COLUMN original_blob TEXT;

-- File contents, stored once however many messages carry them (keyed by SHA-256).
CREATE TABLE blobs (
    id          TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    content     BLOB NOT NULL,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    message_id    TEXT NOT NULL REFERENCES messages(id),
    blob_id       TEXT NOT NULL REFERENCES blobs(id),
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id);

-- What an adapter keeps between runs (an IMAP folder's cursor, a suppressed address).
CREATE TABLE channel_state (
    channel     TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (channel, key)
) WITHOUT ROWID;

-- Messages an adapter could not read, kept raw for an operator.
CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    channel     TEXT NOT NULL,
    account     TEXT,
    reason      TEXT NOT NULL,
    blob_id     TEXT NOT NULL REFERENCES blobs(id),
    created_at  INTEGER NOT NULL
);

-- A reply may be delivered over a second channel (a chat reply also sent by email to a
-- customer who left the app), so an outbox row is unique per message and channel.
CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id       TEXT NOT NULL REFERENCES messages(id),
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    channel          TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    detail           TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (message_id, channel)
);
INSERT INTO outbox_new SELECT id, message_id, conversation_id, channel, state, attempts, next_attempt_at,
    last_error, detail, created_at, updated_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
