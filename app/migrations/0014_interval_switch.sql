-- Monthly <-> yearly switches (app/src/subscriptions/plan_change.rs). A switch to monthly waits
-- for the end of the year, as a downgrade does: the interval the subscription renews at then, NULL
-- when it stays.
ALTER TABLE subscriptions ADD COLUMN scheduled_interval TEXT;
-- The interval an invoice's period is billed at (subscription, renewal, or a switch to yearly
-- paid by a proration invoice), so paying it applies the interval it was issued for. NULL for
-- credit packages and for invoices issued before this column.
ALTER TABLE invoices ADD COLUMN billing_interval TEXT;
