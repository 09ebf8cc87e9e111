-- Receipts of manual payments, in the database so that every server instance serves them (they
-- were files on the disk of the instance that took the upload; those payments keep their
-- `receipt_file` and are still read from there). A receipt (at most 5 MB) is stored as ordered
-- chunks, written with its payment, so that serving one streams it a chunk at a time.
-- BYTEA is PostgreSQL's byte string; SQLite has no such type and stores the bytes as the BLOB
-- they are bound as (a declared type it does not know only sets an affinity, which never
-- converts a BLOB).
CREATE TABLE payment_receipt_chunks (
    payment_id TEXT NOT NULL REFERENCES payments (id),
    seq BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (payment_id, seq)
);
