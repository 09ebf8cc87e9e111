//! Receipts of manual payments: checked by their content, stored in the database so that every
//! server instance can serve them, and served a chunk at a time.
//!
//! A receipt is kept as ordered chunks (`payment_receipt_chunks`), written in the transaction
//! that records its payment, so a receipt exists exactly when its payment does and reading one
//! never holds more than a chunk in memory. Receipts uploaded before that were files in one
//! instance's `DATA_DIR/receipts`; those payments name their file and are still read from there.

use crate::backend::{Db, Tx};
use crate::common::{AppError, AppResult};
use std::path::Path;

pub const MAX_RECEIPT_BYTES: usize = 5 * 1024 * 1024;

/// The bytes of one stored chunk: a 5 MB receipt is 20 rows.
const CHUNK_BYTES: usize = 256 * 1024;

/// The receipt types we accept, recognised by their first bytes, never by the file name.
pub fn sniff_receipt(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Checks a receipt before anything is stored: its content type, or 422 with a field message
/// when it is not one.
pub fn check_receipt(bytes: &[u8]) -> AppResult<&'static str> {
    if bytes.len() > MAX_RECEIPT_BYTES {
        return Err(AppError::invalid(
            "receipt",
            "The receipt must be at most 5 MB.",
        ));
    }
    if bytes.is_empty() {
        return Err(AppError::invalid("receipt", "The receipt file is empty."));
    }
    sniff_receipt(bytes)
        .ok_or_else(|| AppError::invalid("receipt", "The receipt must be a PDF, PNG or JPEG file."))
}

/// Stores the receipt of `payment_id` in the transaction that records the payment.
pub async fn store(tx: &mut Tx, payment_id: &str, bytes: &[u8]) -> Result<(), sqlx::Error> {
    for (seq, chunk) in bytes.chunks(CHUNK_BYTES).enumerate() {
        sqlx::query(
            "INSERT INTO payment_receipt_chunks (payment_id, seq, bytes) VALUES ($1, $2, $3)",
        )
        .bind(payment_id)
        .bind(seq as i64)
        .bind(chunk.to_vec())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The bytes of a stored receipt, in order.
pub enum ReceiptBytes {
    Database {
        db: Db,
        payment_id: String,
        next: i64,
    },
    /// A receipt of an older version, read from this instance's disk.
    File(Option<Vec<u8>>),
}

impl ReceiptBytes {
    /// The receipt of a payment: in the database, or in `legacy_file` (a name in `dir`) for a
    /// payment recorded before receipts moved there.
    pub async fn open(
        db: &Db,
        dir: &Path,
        payment_id: &str,
        legacy_file: Option<String>,
    ) -> AppResult<ReceiptBytes> {
        match legacy_file {
            Some(name) => {
                let bytes = tokio::fs::read(dir.join(&name))
                    .await
                    .map_err(|e| AppError::internal(format!("receipt file {name}: {e}")))?;
                Ok(ReceiptBytes::File(Some(bytes)))
            }
            None => Ok(ReceiptBytes::Database {
                db: db.clone(),
                payment_id: payment_id.to_string(),
                next: 0,
            }),
        }
    }

    /// The next piece of the receipt; `None` after the last.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, sqlx::Error> {
        match self {
            ReceiptBytes::File(bytes) => Ok(bytes.take()),
            ReceiptBytes::Database {
                db,
                payment_id,
                next,
            } => {
                let chunk: Option<Vec<u8>> = sqlx::query_scalar(
                    "SELECT bytes FROM payment_receipt_chunks WHERE payment_id = $1 AND seq = $2",
                )
                .bind(payment_id.as_str())
                .bind(*next)
                .fetch_optional(db.pool())
                .await?;
                *next += 1;
                Ok(chunk)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_are_recognised_by_content() {
        assert_eq!(sniff_receipt(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff_receipt(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_receipt(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert!(sniff_receipt(b"GIF89a").is_none());
        assert!(sniff_receipt(b"<html>%PDF-").is_none());
        assert!(check_receipt(b"").is_err());
        let big = [b"%PDF-".as_slice(), &vec![0u8; MAX_RECEIPT_BYTES]].concat();
        assert!(check_receipt(&big).is_err());
    }
}
