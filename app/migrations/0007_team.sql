-- Invitations to join an account's team. The link carries a random token; only its hash is
-- stored. An invitation is pending while it is neither accepted nor revoked and not expired;
-- pending invitations count against the plan's `seats` limit together with the members.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    -- Stored trimmed and lower-cased, like users.email.
    email TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    invited_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_by TEXT REFERENCES users (id),
    revoked_at BIGINT
);
CREATE UNIQUE INDEX invitations_token_key ON invitations (token_hash);
-- One open invitation per email and account: inviting again while one is open is a conflict.
CREATE UNIQUE INDEX invitations_open_email_key ON invitations (account_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE INDEX invitations_account_idx ON invitations (account_id, created_at);
