-- Tax (app/src/invoices/tax.rs): admin-managed rates by the buyer's country, exclusive; each
-- invoice line keeps the rate and tax it was issued with, the invoice its label ("VAT 19%") and
-- any legal mention (reverse charge).
CREATE TABLE tax_rates (
    country TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- Basis points: 1900 is 19%.
    rate_bp BIGINT NOT NULL CHECK (rate_bp >= 0 AND rate_bp <= 10000),
    updated_at BIGINT NOT NULL
);
ALTER TABLE invoice_lines ADD COLUMN tax_rate_bp BIGINT NOT NULL DEFAULT 0;
ALTER TABLE invoice_lines ADD COLUMN tax BIGINT NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN tax_label TEXT;
ALTER TABLE invoices ADD COLUMN tax_note TEXT;
