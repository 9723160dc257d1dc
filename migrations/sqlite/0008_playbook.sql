-- The wallet playbook. Account actions asked of the company's backend are committed before
-- the backend is called, leased by the worker that calls it and retried under their id, the
-- idempotency key the backend sees; so a crash between commit and call still calls, once.
CREATE TABLE account_actions (
    id               TEXT PRIMARY KEY,
    -- What makes a request one request (an automatic freeze: one per conversation).
    request_key      TEXT NOT NULL UNIQUE,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    app_user_id      TEXT NOT NULL,
    action           TEXT NOT NULL,
    actor            TEXT NOT NULL,
    agent_login      TEXT,
    reason           TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    detail           TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX account_actions_due ON account_actions(state, next_attempt_at);
CREATE INDEX account_actions_conversation ON account_actions(conversation_id, created_at);
-- One pending action of a kind per account: asking again while one is under way joins it.
CREATE UNIQUE INDEX account_actions_one_pending ON account_actions(app_user_id, action) WHERE state = 'pending';

-- Identity verified on a conversation: who, when, and which checks matched (never the
-- customer's answers).
CREATE TABLE identity_verifications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    agent_id         TEXT NOT NULL,
    agent_name       TEXT NOT NULL,
    checks           TEXT NOT NULL,
    verified_at      INTEGER NOT NULL
);
CREATE INDEX identity_verifications_conversation ON identity_verifications(conversation_id, id);

-- Transaction details taken in from a waiting customer's messages (JSON).
CREATE TABLE conversation_intake (
    conversation_id  TEXT PRIMARY KEY REFERENCES conversations(id),
    fields           TEXT NOT NULL,
    updated_at       INTEGER NOT NULL
);
