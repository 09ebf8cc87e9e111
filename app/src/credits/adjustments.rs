//! Admin credit adjustments: a signed amount with a reason, written to the ledger as an
//! `adjustment` with the admin as actor. Never below zero; the same request key applies once.

use super::ledger::{self, Applied, Entry, EntryKind};
use super::model::BalanceView;
use crate::auth::model::SessionView;
use crate::backend::AppState;
use crate::common::{AppError, AppResult};

pub const MAX_ADJUSTMENT: i64 = 10_000_000;

pub struct Adjustment<'a> {
    pub amount: i64,
    pub reason: &'a str,
    /// The client's `Idempotency-Key`, when it sent one.
    pub key: Option<&'a str>,
}

pub fn validate(amount: i64, reason: &str) -> AppResult<()> {
    if amount == 0 || amount.abs() > MAX_ADJUSTMENT {
        return Err(AppError::invalid(
            "amount",
            format!("Enter a non-zero whole number of credits up to ±{MAX_ADJUSTMENT}."),
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::invalid(
            "reason",
            "Say why (up to 500 characters).",
        ));
    }
    Ok(())
}

/// Adjusts the credits of the account `user_id` belongs to; returns its new balance.
pub async fn adjust(
    state: &AppState,
    admin: &SessionView,
    user_id: &str,
    adjustment: Adjustment<'_>,
) -> AppResult<BalanceView> {
    validate(adjustment.amount, adjustment.reason)?;
    let account_id: String = sqlx::query_scalar("SELECT account_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(state.db.pool())
        .await?
        .ok_or_else(AppError::not_found)?;
    let key = match adjustment.key {
        Some(key) => format!("adjust:{}:{key}", admin.user.id),
        None => format!("adjust:{}", crate::backend::ids::new_id("adj")),
    };
    let mut tx = state.db.begin().await?;
    let applied = ledger::apply(
        &mut tx,
        Entry {
            account_id: &account_id,
            kind: EntryKind::Adjustment,
            amount: adjustment.amount,
            description: adjustment.reason.trim(),
            reference_id: Some(&admin.user.id),
            operation: None,
            actor: &admin.user.id,
            idempotency_key: &key,
            at: state.clock.now(),
        },
    )
    .await?;
    let balance_after = match applied {
        Applied::Insufficient { available } => {
            tx.rollback().await?;
            return Err(AppError::invalid(
                "amount",
                format!("The account has {available} credits available; it cannot go below zero."),
            ));
        }
        Applied::Done { balance_after, .. } => Some(balance_after),
        // A replay of the same key: recorded the first time.
        Applied::Replayed => None,
    };
    if let Some(balance_after) = balance_after {
        crate::admin::audit::record(
            &mut tx,
            crate::admin::audit::Action {
                admin,
                action: "credits.adjust",
                target_type: "account",
                target_id: &account_id,
                before: Some(serde_json::json!({ "balance": balance_after - adjustment.amount })),
                after: Some(
                    serde_json::json!({ "balance": balance_after, "amount": adjustment.amount }),
                ),
                reason: adjustment.reason,
            },
            state.clock.now(),
        )
        .await?;
    }
    tx.commit().await?;
    super::live::changed(state, &account_id);
    Ok(super::balance::of_account(state, &account_id).await?)
}
