-- Portable across SQLite and PostgreSQL: TEXT ids, BIGINT money (minor units), credits,
-- 0/1 flags and epoch-second times.

CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    currency TEXT NOT NULL,
    price_month BIGINT NOT NULL CHECK (price_month >= 0),
    price_year BIGINT NOT NULL CHECK (price_year >= 0),
    credits_per_period BIGINT NOT NULL CHECK (credits_per_period >= 0),
    limit_sites BIGINT NOT NULL CHECK (limit_sites >= 0),
    limit_seats BIGINT NOT NULL CHECK (limit_seats >= 1),
    -- Comma-separated module keys (planner,writer,automation).
    modules TEXT NOT NULL,
    -- One feature bullet per line.
    features TEXT NOT NULL,
    is_active BIGINT NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    sort_order BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX plans_slug_key ON plans (slug);

-- Credits charged per unit of an operation: `credits` for every `unit_size` units.
CREATE TABLE credit_costs (
    operation TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    credits BIGINT NOT NULL CHECK (credits > 0),
    unit_size BIGINT NOT NULL CHECK (unit_size > 0),
    unit_label TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE credit_packages (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    credits BIGINT NOT NULL CHECK (credits > 0),
    price BIGINT NOT NULL CHECK (price >= 0),
    currency TEXT NOT NULL,
    is_active BIGINT NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    is_featured BIGINT NOT NULL DEFAULT 0 CHECK (is_featured IN (0, 1)),
    sort_order BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A tenant.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_slug_key ON accounts (slug);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    -- Stored trimmed and lower-cased, so uniqueness is case-insensitive.
    email TEXT NOT NULL,
    full_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    is_admin BIGINT NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    email_verified_at BIGINT,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_account_idx ON users (account_id);
