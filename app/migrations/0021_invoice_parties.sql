-- Invoices a business can file (app/src/invoices/parties.rs): the buyer's billing profile, and
-- on each invoice the seller, buyer and bank account as they were when it was issued (JSON; NULL
-- on invoices issued before, which print the account's name and the current seller).
CREATE TABLE billing_profiles (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    legal_name TEXT NOT NULL,
    -- One line per address line.
    address TEXT NOT NULL,
    -- ISO 3166-1 alpha-2.
    country TEXT NOT NULL,
    tax_id TEXT,
    -- Where billing emails go instead of the owner's address.
    billing_email TEXT,
    updated_at BIGINT NOT NULL
);
ALTER TABLE invoices ADD COLUMN seller TEXT;
ALTER TABLE invoices ADD COLUMN buyer TEXT;
ALTER TABLE invoices ADD COLUMN bank_details TEXT;
-- A mail that carries an invoice's PDF (a receipt): rendered when the mail is sent.
ALTER TABLE outbox ADD COLUMN invoice_id TEXT REFERENCES invoices(id);
