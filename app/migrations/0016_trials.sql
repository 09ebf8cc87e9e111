-- Free trials (app/src/subscriptions/trials.rs). A plan may offer one: its length in days, the
-- plan credits granted for it, and whether a card must be given to start it.
ALTER TABLE plans ADD COLUMN trial_days BIGINT NOT NULL DEFAULT 0;
ALTER TABLE plans ADD COLUMN trial_credits BIGINT NOT NULL DEFAULT 0;
ALTER TABLE plans ADD COLUMN trial_requires_card BIGINT NOT NULL DEFAULT 0;
-- 1 once the "trial ends in 3 days" email went out.
ALTER TABLE subscriptions ADD COLUMN trial_reminded BIGINT NOT NULL DEFAULT 0;
-- The processor's fingerprint of a card's number: the same card saved twice, by any account,
-- has the same one. NULL for other methods (and for cards saved before this column).
ALTER TABLE payment_methods ADD COLUMN card_fingerprint TEXT;
-- Every trial ever started: one per account (the key) and one per card (the unique
-- fingerprint; NULL when no card was given, which both engines let repeat).
CREATE TABLE trials (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    card_fingerprint TEXT UNIQUE,
    subscription_id TEXT NOT NULL,
    started_at BIGINT NOT NULL
);
