-- Holds, metered module tasks and their usage log.

-- Credits reserved for a running task: taken from the spendable balance by a `hold` ledger
-- entry, given back by a `release` entry when the task settles, fails or the hold expires.
CREATE TABLE credit_holds (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    operation TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'settled', 'released', 'expired')),
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX credit_holds_open_idx ON credit_holds (status, expires_at);
CREATE INDEX credit_holds_account_idx ON credit_holds (account_id, status);

-- A Planner or Writer run.
CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    module TEXT NOT NULL CHECK (module IN ('planner', 'writer')),
    operation TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    input TEXT NOT NULL,
    result TEXT,
    provider TEXT,
    quantity BIGINT NOT NULL DEFAULT 0,
    credits_charged BIGINT NOT NULL DEFAULT 0,
    site_id TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX tasks_account_idx ON tasks (account_id, created_at);

-- What each metered operation used: the source of usage reports.
CREATE TABLE usage_logs (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    operation TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    credits BIGINT NOT NULL,
    site_id TEXT,
    task_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX usage_logs_account_idx ON usage_logs (account_id, created_at);
