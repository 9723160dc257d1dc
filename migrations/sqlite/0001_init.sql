-- The conversation model. Times are Unix milliseconds (UTC); ids are opaque text.

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    name        TEXT,
    lang        TEXT,
    created_at  INTEGER NOT NULL
);

-- Every identity a customer is known by: kind is app_user, email or phone.
CREATE TABLE customer_identities (
    kind         TEXT NOT NULL,
    value        TEXT NOT NULL,
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX customer_identities_customer ON customer_identities(customer_id);

CREATE TABLE conversations (
    id                        TEXT PRIMARY KEY,
    customer_id               TEXT NOT NULL REFERENCES customers(id),
    channel                   TEXT NOT NULL,
    status                    TEXT NOT NULL,
    subject                   TEXT,
    category                  TEXT,
    priority                  TEXT NOT NULL DEFAULT 'normal',
    language                  TEXT,
    queue                     TEXT,
    assignee                  TEXT,
    last_seq                  INTEGER NOT NULL DEFAULT 0,
    secrets_redacted          INTEGER NOT NULL DEFAULT 0,
    created_at                INTEGER NOT NULL,
    first_response_at         INTEGER,
    last_customer_message_at  INTEGER,
    waiting_since             INTEGER NOT NULL,
    updated_at                INTEGER NOT NULL
);
CREATE INDEX conversations_customer ON conversations(customer_id, channel, created_at);
CREATE INDEX conversations_status ON conversations(status);

CREATE TABLE messages (
    id               TEXT PRIMARY KEY,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    seq              INTEGER,
    direction        TEXT NOT NULL,
    author_role      TEXT NOT NULL,
    author_agent     TEXT,
    author_name      TEXT NOT NULL,
    channel          TEXT NOT NULL,
    internal         INTEGER NOT NULL,
    external_id      TEXT,
    text             TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    UNIQUE (conversation_id, seq)
);
CREATE INDEX messages_conversation ON messages(conversation_id, created_at);

-- Idempotency and threading keys: inbound external ids, sender-scoped client ids, and the
-- external ids adapters report for delivered replies (so answers to them thread correctly).
CREATE TABLE message_keys (
    channel      TEXT NOT NULL,
    key          TEXT NOT NULL,
    message_id   TEXT NOT NULL REFERENCES messages(id),
    PRIMARY KEY (channel, key)
);
CREATE INDEX message_keys_message ON message_keys(message_id);

CREATE TABLE agents (
    id             TEXT PRIMARY KEY,
    login          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    skills         TEXT NOT NULL,
    supervisor     INTEGER NOT NULL,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);

CREATE TABLE callback_requests (
    id               TEXT PRIMARY KEY,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    phone            TEXT NOT NULL,
    window_start     INTEGER,
    window_end       INTEGER,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    outcome          TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX callback_requests_customer ON callback_requests(customer_id, phone, status);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id       TEXT NOT NULL UNIQUE REFERENCES messages(id),
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    channel          TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    detail           TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);

-- Append-only: who did what to which conversation, when.
CREATE TABLE events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id  TEXT NOT NULL,
    actor            TEXT NOT NULL,
    kind             TEXT NOT NULL,
    detail           TEXT NOT NULL,
    at               INTEGER NOT NULL
);
CREATE INDEX events_conversation ON events(conversation_id, id);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
