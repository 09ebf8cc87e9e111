-- Sessions: a refresh-token family. Revoking it ends every token of the family at once.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Refresh tokens are stored as SHA-256 hashes; using one spends it.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    spent_at BIGINT
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- Single-use links sent by email (verification, password reset), stored hashed.
CREATE TABLE email_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_tokens_user_idx ON email_tokens (user_id, purpose);

-- Every email the app sends. Without SMTP it stays here for developers and admins to read.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('stored', 'sent', 'failed')),
    error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX outbox_created_idx ON outbox (created_at);

-- Fixed-window counters shared by every server instance.
CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL
);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    plan_id TEXT NOT NULL REFERENCES plans (id),
    status TEXT NOT NULL CHECK (status IN ('pending_payment', 'trialing', 'active', 'past_due', 'canceled')),
    billing_interval TEXT NOT NULL CHECK (billing_interval IN ('month', 'year')),
    current_period_start BIGINT,
    current_period_end BIGINT,
    cancel_at_period_end BIGINT NOT NULL DEFAULT 0 CHECK (cancel_at_period_end IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- One subscription that is not canceled per account.
CREATE UNIQUE INDEX subscriptions_one_live_key ON subscriptions (account_id) WHERE status <> 'canceled';
