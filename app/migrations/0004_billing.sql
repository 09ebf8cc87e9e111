-- Subscriptions over time, invoices, payments and the credit ledger.

-- Renewal bookkeeping. `anchor_at` is the start of the first period: every later period end is
-- a whole number of months after it (clamped to the month's last day), so Jan 31 renews on
-- Feb 29/28, then Mar 31. The lease lets one scheduler instance at a time work on a row.
ALTER TABLE subscriptions ADD COLUMN anchor_at BIGINT;
ALTER TABLE subscriptions ADD COLUMN scheduled_plan_id TEXT REFERENCES plans (id);
ALTER TABLE subscriptions ADD COLUMN payment_method_id TEXT REFERENCES payment_methods (id);
ALTER TABLE subscriptions ADD COLUMN past_due_since BIGINT;
ALTER TABLE subscriptions ADD COLUMN renewal_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN next_attempt_at BIGINT;
ALTER TABLE subscriptions ADD COLUMN canceled_at BIGINT;
ALTER TABLE subscriptions ADD COLUMN lease_owner TEXT;
ALTER TABLE subscriptions ADD COLUMN lease_until BIGINT;

-- Credits: the balance is a cached sum of the ledger, kept in the same transaction as each
-- entry and never negative. `plan_credits` is the part of the balance that came from plan
-- grants and expires at the end of the period; purchased credits never expire.
ALTER TABLE accounts ADD COLUMN credit_balance BIGINT NOT NULL DEFAULT 0 CHECK (credit_balance >= 0);
ALTER TABLE accounts ADD COLUMN plan_credits BIGINT NOT NULL DEFAULT 0 CHECK (plan_credits >= 0);

-- Append-only. The idempotency key makes a replayed grant or spend a no-op.
CREATE TABLE credit_ledger (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    -- The entry's position in its account's ledger (1, 2, …): entries in the same second keep
    -- their order. The account row is locked by the balance update before it is taken.
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('plan_grant', 'purchase', 'usage', 'adjustment', 'hold', 'release', 'expiry')),
    amount BIGINT NOT NULL,
    balance_after BIGINT NOT NULL CHECK (balance_after >= 0),
    description TEXT NOT NULL,
    reference_id TEXT,
    -- The metered operation of usage, holds and releases (e.g. `writer.generate_article`).
    operation TEXT,
    -- Who caused it: a user id for tenant actions and admin adjustments, `system` otherwise.
    actor TEXT NOT NULL DEFAULT 'system',
    idempotency_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX credit_ledger_idempotency_key ON credit_ledger (idempotency_key);
CREATE UNIQUE INDEX credit_ledger_account_seq_key ON credit_ledger (account_id, seq);

-- One row per year; incremented inside the transaction that issues the invoice, so a rolled
-- back invoice gives its number back and numbers stay gapless.
CREATE TABLE invoice_counters (
    year BIGINT PRIMARY KEY,
    last_number BIGINT NOT NULL
);

CREATE TABLE invoices (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    number TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'paid', 'void')),
    -- What paying it does: start a subscription, renew it, upgrade it, or add credits.
    purpose TEXT NOT NULL CHECK (purpose IN ('subscription', 'renewal', 'proration', 'credit_package')),
    subscription_id TEXT REFERENCES subscriptions (id),
    plan_id TEXT REFERENCES plans (id),
    package_id TEXT REFERENCES credit_packages (id),
    -- Credits granted when it is paid (plan credits, the prorated difference, or a package).
    credits BIGINT NOT NULL DEFAULT 0,
    period_start BIGINT,
    period_end BIGINT,
    currency TEXT NOT NULL,
    subtotal BIGINT NOT NULL,
    tax BIGINT NOT NULL DEFAULT 0,
    total BIGINT NOT NULL,
    -- Set for invoices the scheduler issues, so a retried renewal finds its invoice.
    idempotency_key TEXT,
    issued_at BIGINT NOT NULL,
    paid_at BIGINT,
    voided_at BIGINT
);
CREATE UNIQUE INDEX invoices_number_key ON invoices (number);
CREATE UNIQUE INDEX invoices_idempotency_key ON invoices (idempotency_key);
CREATE INDEX invoices_account_idx ON invoices (account_id, issued_at);

CREATE TABLE invoice_lines (
    id TEXT PRIMARY KEY,
    invoice_id TEXT NOT NULL REFERENCES invoices (id),
    position BIGINT NOT NULL,
    description TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_amount BIGINT NOT NULL,
    amount BIGINT NOT NULL
);
CREATE INDEX invoice_lines_invoice_idx ON invoice_lines (invoice_id, position);

CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    invoice_id TEXT NOT NULL REFERENCES invoices (id),
    payment_method_id TEXT REFERENCES payment_methods (id),
    method_kind TEXT NOT NULL CHECK (method_kind IN ('card', 'paypal', 'bank_transfer')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded', 'awaiting_approval', 'rejected')),
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    gateway_charge_id TEXT,
    failure_code TEXT,
    reference TEXT,
    receipt_file TEXT,
    receipt_content_type TEXT,
    note TEXT,
    decided_by TEXT REFERENCES users (id),
    decided_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX payments_account_idx ON payments (account_id, created_at);
CREATE INDEX payments_status_idx ON payments (status, created_at);
-- An invoice is paid once, and waits on at most one manual payment at a time.
CREATE UNIQUE INDEX payments_one_success_key ON payments (invoice_id) WHERE status = 'succeeded';
CREATE UNIQUE INDEX payments_one_awaiting_key ON payments (invoice_id) WHERE status IN ('pending', 'awaiting_approval');

-- API Idempotency-Key: the first result of a money-moving POST, replayed for the same key.
CREATE TABLE idempotency_keys (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT,
    response_body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, key)
);
