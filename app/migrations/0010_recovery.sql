-- What a crash can interrupt, and how it is picked up again.

-- An Idempotency-Key claim is a lease: a request cut off by a crash leaves its claim without a
-- result, and once `locked_until` has passed a retry with the same key takes it over and runs.
ALTER TABLE idempotency_keys ADD COLUMN locked_until BIGINT NOT NULL DEFAULT 0;

-- A task knows its hold (so the recovery that expires the hold also ends the task) and the
-- idempotency key of the request that started it (so a retried request finds its task instead
-- of running a second one).
ALTER TABLE tasks ADD COLUMN hold_id TEXT REFERENCES credit_holds (id);
ALTER TABLE tasks ADD COLUMN idempotency_key TEXT;
ALTER TABLE tasks ADD COLUMN error_code TEXT;
CREATE INDEX tasks_hold_idx ON tasks (hold_id);
CREATE UNIQUE INDEX tasks_idempotency_key ON tasks (account_id, idempotency_key);

-- The part of a hold taken from plan credits: it goes back as plan credits (which expire at a
-- period end), not as credits that never expire.
ALTER TABLE credit_holds ADD COLUMN plan_credits BIGINT NOT NULL DEFAULT 0;

-- An upgrade in flight: set with the proration invoice in one guarded update, cleared when
-- that invoice is paid or voided, so concurrent plan changes cannot both charge.
ALTER TABLE subscriptions ADD COLUMN changing_invoice_id TEXT REFERENCES invoices (id);
