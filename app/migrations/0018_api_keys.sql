-- API keys (app/src/api_keys/): an account's credentials for programs. The secret is shown once and
-- stored only as its SHA-256 (`key_hash`); `prefix` is its first characters, to tell keys apart.
-- A key acts as the user who made it (the owner), within `scopes` (comma-separated names).
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_keys_account_idx ON api_keys (account_id, created_at);
