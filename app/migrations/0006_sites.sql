-- The websites a tenant works on; the plan's `sites` limit counts them.
CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX sites_account_url_key ON sites (account_id, url);
