-- Low-balance alerts and auto top-up (app/src/credits/alerts.rs): one row per account that set
-- a threshold.
CREATE TABLE balance_alerts (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    -- Alert when the available balance falls below this many credits.
    threshold BIGINT NOT NULL,
    -- The package bought automatically at a crossing; NULL: alerts only.
    topup_package_id TEXT REFERENCES credit_packages(id),
    -- At most this many automatic top-ups a calendar month (UTC).
    topup_monthly_limit BIGINT NOT NULL DEFAULT 0,
    -- 1 from a crossing until the balance is back at or above the threshold: one alert (and one
    -- top-up) per crossing.
    below BIGINT NOT NULL DEFAULT 0,
    -- Crossings so far; the latest one keys its email and its top-up purchase.
    crossings BIGINT NOT NULL DEFAULT 0,
    -- The crossing whose top-up is still to be bought (claimed and cleared by whoever buys it).
    topup_due BIGINT,
    -- 'YYYY-MM' of the last automatic top-up and how many that month had.
    topup_month TEXT,
    topups_in_month BIGINT NOT NULL DEFAULT 0,
    -- A top-up charged to this method failed: none are tried again until the default method is
    -- another one.
    topup_failed_method_id TEXT,
    updated_at BIGINT NOT NULL
);
