-- Phone callbacks. A request is called in the customer's time zone; a scheduled one (a future
-- window, a retry after a missed call, outside calling hours) waits invisible to agents until
-- `next_attempt_at`; a failed one says why.
ALTER TABLE callback_requests ADD COLUMN zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE callback_requests ADD COLUMN next_attempt_at INTEGER;
ALTER TABLE callback_requests ADD COLUMN failure TEXT;
ALTER TABLE callback_requests ADD COLUMN unverified_phone INTEGER NOT NULL DEFAULT 0;
CREATE INDEX callback_requests_conversation ON callback_requests(conversation_id);
-- One open request per customer and number, whichever node or caller asks.
CREATE UNIQUE INDEX callback_requests_open ON callback_requests(customer_id, phone)
    WHERE status IN ('queued', 'scheduled', 'in_progress');

-- Until when a conversation waits invisible to agents (a scheduled callback): routing leaves
-- it out of every queue before then.
ALTER TABLE conversations ADD COLUMN held_until INTEGER;
