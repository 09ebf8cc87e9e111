-- How an account pays. Cards keep only what the gateway gives back: a token, brand, last 4, expiry.
CREATE TABLE payment_methods (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL CHECK (kind IN ('card', 'paypal', 'bank_transfer')),
    status TEXT NOT NULL CHECK (status IN ('active', 'pending_approval', 'canceled')),
    brand TEXT,
    last4 TEXT,
    exp_month BIGINT,
    exp_year BIGINT,
    gateway_token TEXT,
    is_default BIGINT NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at BIGINT NOT NULL,
    removed_at BIGINT
);
CREATE INDEX payment_methods_account_idx ON payment_methods (account_id);
-- At most one default among an account's methods that are not removed.
CREATE UNIQUE INDEX payment_methods_one_default_key ON payment_methods (account_id) WHERE is_default = 1 AND removed_at IS NULL;

-- The sandbox processor's own records (a real processor keeps these on its side).
CREATE TABLE sandbox_cards (
    token TEXT PRIMARY KEY,
    behaviour TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sandbox_charges (
    idempotency_key TEXT PRIMARY KEY,
    charge_id TEXT NOT NULL,
    token TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    failure_code TEXT,
    created_at BIGINT NOT NULL
);
