-- Yearly plans grant their credits month by month (app/src/subscriptions/monthly_credits.rs):
-- the end of the month whose plan credits the account has. NULL for monthly subscriptions (a
-- period is that month), and for yearly ones until their next paid period.
ALTER TABLE subscriptions ADD COLUMN credits_granted_until BIGINT;
