//! SQL for payment methods. Every query is scoped by account: another account's method is
//! simply not found.

use super::model::{PaymentMethodKind, PaymentMethodStatus, PaymentMethodView};
use crate::backend::{Db, Flag, Timestamp, Tx};

const COLUMNS: &str = "id, kind, status, brand, last4, exp_month, exp_year, is_default";

/// A payment method as [`COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
struct PaymentMethodRow {
    id: String,
    kind: PaymentMethodKind,
    status: PaymentMethodStatus,
    brand: Option<String>,
    last4: Option<String>,
    exp_month: Option<i64>,
    exp_year: Option<i64>,
    is_default: Flag,
}

impl From<PaymentMethodRow> for PaymentMethodView {
    fn from(row: PaymentMethodRow) -> Self {
        let approval_url = (row.status == PaymentMethodStatus::PendingApproval)
            .then(|| format!("/sandbox/paypal/{}", row.id));
        PaymentMethodView {
            id: row.id,
            kind: row.kind,
            is_default: row.is_default.into(),
            brand: row.brand,
            last4: row.last4,
            exp_month: row.exp_month,
            exp_year: row.exp_year,
            status: row.status,
            approval_url,
        }
    }
}

pub async fn list(db: &Db, account_id: &str) -> Result<Vec<PaymentMethodView>, sqlx::Error> {
    let rows = sqlx::query_as::<_, PaymentMethodRow>(&format!(
        "SELECT {COLUMNS} FROM payment_methods WHERE account_id = $1 AND removed_at IS NULL \
         ORDER BY is_default DESC, created_at DESC, id"
    ))
    .bind(account_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(PaymentMethodView::from).collect())
}

pub async fn find(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
) -> Result<Option<PaymentMethodView>, sqlx::Error> {
    let row = sqlx::query_as::<_, PaymentMethodRow>(&format!(
        "SELECT {COLUMNS} FROM payment_methods WHERE account_id = $1 AND id = $2 AND removed_at IS NULL"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(PaymentMethodView::from))
}

pub struct NewMethod<'a> {
    pub id: &'a str,
    pub kind: PaymentMethodKind,
    pub status: PaymentMethodStatus,
    pub brand: Option<&'a str>,
    pub last4: Option<&'a str>,
    pub exp_month: Option<i64>,
    pub exp_year: Option<i64>,
    pub gateway_token: Option<&'a str>,
    pub card_fingerprint: Option<&'a str>,
}

/// Inserts a method; the account's first active method becomes its default.
pub async fn insert(
    tx: &mut Tx,
    account_id: &str,
    method: NewMethod<'_>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let has_default: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM payment_methods WHERE account_id = $1 AND is_default = 1 AND removed_at IS NULL",
    )
    .bind(account_id)
    .fetch_one(&mut **tx)
    .await?;
    let is_default = (has_default == 0 && method.status == PaymentMethodStatus::Active) as i64;
    sqlx::query(
        "INSERT INTO payment_methods (id, account_id, kind, status, brand, last4, exp_month, exp_year, gateway_token, \
         is_default, created_at, card_fingerprint) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(method.id)
    .bind(account_id)
    .bind(method.kind)
    .bind(method.status)
    .bind(method.brand)
    .bind(method.last4)
    .bind(method.exp_month)
    .bind(method.exp_year)
    .bind(method.gateway_token)
    .bind(is_default)
    .bind(now)
    .bind(method.card_fingerprint)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Makes `id` the default; false when it is not an active method of the account.
pub async fn set_default(tx: &mut Tx, account_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    let active: Option<String> = sqlx::query_scalar(
        "SELECT id FROM payment_methods WHERE account_id = $1 AND id = $2 AND status = 'active' AND removed_at IS NULL",
    )
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    if active.is_none() {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE payment_methods SET is_default = 0 WHERE account_id = $1 AND is_default = 1",
    )
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE payment_methods SET is_default = 1 WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// Removes a method; when it was the default, the newest remaining active one takes over.
pub async fn remove(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let Some(method) = find(tx, account_id, id).await? else {
        return Ok(false);
    };
    sqlx::query(
        "UPDATE payment_methods SET removed_at = $1, status = 'canceled', is_default = 0 WHERE account_id = $2 AND id = $3",
    )
    .bind(now)
    .bind(account_id)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if method.is_default {
        let next: Option<String> = sqlx::query_scalar(
            "SELECT id FROM payment_methods WHERE account_id = $1 AND status = 'active' AND removed_at IS NULL \
             ORDER BY created_at DESC, id LIMIT 1",
        )
        .bind(account_id)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(next) = next {
            set_default(tx, account_id, &next).await?;
        }
    }
    Ok(true)
}

pub async fn gateway_token(
    db: &Db,
    account_id: &str,
    id: &str,
) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT kind, gateway_token FROM payment_methods WHERE account_id = $1 AND id = $2 AND status = 'active' \
         AND removed_at IS NULL",
    )
    .bind(account_id)
    .bind(id)
    .fetch_optional(db.pool())
    .await
}

/// Settles a PayPal-style approval: approved methods become active (and the default when the
/// account has none); canceled ones are removed. False when there is no pending method.
pub async fn settle_approval(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
    agreement_token: Option<&str>,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let approved = agreement_token.is_some();
    let settled = if let Some(token) = agreement_token {
        sqlx::query(
            "UPDATE payment_methods SET status = 'active', gateway_token = $3 \
             WHERE account_id = $1 AND id = $2 AND status = 'pending_approval' AND removed_at IS NULL",
        )
        .bind(account_id)
        .bind(id)
        .bind(token)
        .execute(&mut **tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE payment_methods SET status = 'canceled', removed_at = $3 \
             WHERE account_id = $1 AND id = $2 AND status = 'pending_approval' AND removed_at IS NULL",
        )
        .bind(account_id)
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?
    };
    if settled.rows_affected() != 1 {
        return Ok(false);
    }
    if approved {
        let has_default: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM payment_methods \
             WHERE account_id = $1 AND is_default = 1 AND removed_at IS NULL",
        )
        .bind(account_id)
        .fetch_one(&mut **tx)
        .await?;
        if has_default == 0 {
            set_default(tx, account_id, id).await?;
        }
    }
    Ok(true)
}
