-- Email through a queue (app/src/backend/mail.rs): a mail is written `queued` in the transaction
-- that causes it and a worker sends it, retrying with backoff. The table is rebuilt because the
-- status CHECK gains `queued` (SQLite cannot alter a CHECK in place).
CREATE TABLE outbox_queue (
    id TEXT PRIMARY KEY,
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('stored', 'queued', 'sent', 'failed')),
    error TEXT,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    leased_until BIGINT,
    sent_at BIGINT
);
INSERT INTO outbox_queue (id, to_email, subject, body, status, error, created_at)
    SELECT id, to_email, subject, body, status, error, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_queue RENAME TO outbox;
CREATE INDEX outbox_created_idx ON outbox (created_at);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
