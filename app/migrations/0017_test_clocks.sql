-- Test clocks (app/src/accounts/test_clock.rs), outside production only: an attached account's
-- billing runs `offset_seconds` ahead of the real time. The offset only grows.
CREATE TABLE test_clocks (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    offset_seconds BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
