-- The last ledger sequence number of each account, bumped by the same conditional update that
-- moves its balance: appending an entry needs no MAX(seq) lookup, and the entries one update
-- writes together (a settlement's release and usage) get consecutive numbers.
ALTER TABLE accounts ADD COLUMN ledger_seq BIGINT NOT NULL DEFAULT 0;
UPDATE accounts SET ledger_seq =
    (SELECT COALESCE(MAX(seq), 0) FROM credit_ledger WHERE credit_ledger.account_id = accounts.id);
