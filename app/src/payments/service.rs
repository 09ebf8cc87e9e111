//! Payment methods: add (card through the gateway, PayPal-style, bank transfer), list, remove,
//! set default. Only the account owner manages them.

use super::card::{self, CardInput};
use super::gateway::{DeclineCode, GatewayError};
use super::model::{NewPaymentMethod, PaymentMethodKind, PaymentMethodStatus, PaymentMethodView};
use super::store::{self, NewMethod};
use crate::auth::identity::require_owner;
use crate::auth::model::SessionView;
use crate::backend::ids::new_id;
use crate::backend::AppState;
use crate::common::{AppError, AppResult, ErrorKind};

/// Billing belongs to the account owner; members get 403.
pub async fn list(state: &AppState, view: &SessionView) -> AppResult<Vec<PaymentMethodView>> {
    require_owner(view)?;
    Ok(store::list(&state.db, &view.account.id).await?)
}

pub fn decline_error(code: DeclineCode) -> AppError {
    let kind = match code {
        DeclineCode::CardDeclined => ErrorKind::CardDeclined,
        DeclineCode::InsufficientFunds => ErrorKind::InsufficientFunds,
    };
    AppError::with_message(kind, code.message())
}

pub async fn add(
    state: &AppState,
    view: &SessionView,
    input: NewPaymentMethod,
) -> AppResult<PaymentMethodView> {
    require_owner(view)?;
    let account_id = &view.account.id;
    let id = new_id("pm");
    let now = state.clock.now();
    let token;
    let fingerprint;
    let valid;
    let method = match input.kind.parse() {
        Ok(PaymentMethodKind::Card) => {
            let today = state.clock.now_datetime();
            let card_input: CardInput = input.card.unwrap_or_default();
            valid = card::validate(&card_input, (today.year() as u32, today.month() as u32))
                .map_err(|fields| {
                    AppError::invalid_fields(
                        fields
                            .into_iter()
                            .map(|(k, v)| (format!("card.{k}"), v))
                            .collect(),
                    )
                })?;
            (token, fingerprint) = match state.gateway.tokenize_card(&valid).await {
                Ok(t) => (t.token, t.fingerprint),
                Err(GatewayError::Declined(code)) => return Err(decline_error(code)),
                Err(GatewayError::Failed(err)) => return Err(err),
            };
            NewMethod {
                id: &id,
                kind: PaymentMethodKind::Card,
                status: PaymentMethodStatus::Active,
                brand: Some(valid.brand.as_str()),
                last4: Some(valid.last4()),
                exp_month: Some(valid.exp_month as i64),
                exp_year: Some(valid.exp_year as i64),
                gateway_token: Some(&token),
                card_fingerprint: fingerprint.as_deref(),
            }
        }
        Ok(PaymentMethodKind::Paypal) => NewMethod {
            id: &id,
            kind: PaymentMethodKind::Paypal,
            status: PaymentMethodStatus::PendingApproval,
            brand: None,
            last4: None,
            exp_month: None,
            exp_year: None,
            gateway_token: None,
            card_fingerprint: None,
        },
        Ok(PaymentMethodKind::BankTransfer) => NewMethod {
            id: &id,
            kind: PaymentMethodKind::BankTransfer,
            status: PaymentMethodStatus::Active,
            brand: None,
            last4: None,
            exp_month: None,
            exp_year: None,
            gateway_token: None,
            card_fingerprint: None,
        },
        Err(_) => {
            return Err(AppError::invalid(
                "kind",
                "Choose card, paypal or bank_transfer.",
            ))
        }
    };
    let mut tx = state.db.begin().await?;
    store::insert(&mut tx, account_id, method, now).await?;
    let created = store::find(&mut tx, account_id, &id)
        .await?
        .ok_or_else(|| AppError::internal("method vanished"))?;
    tx.commit().await?;
    Ok(created)
}

pub async fn remove(state: &AppState, view: &SessionView, id: &str) -> AppResult<()> {
    require_owner(view)?;
    let mut tx = state.db.begin().await?;
    if !store::remove(&mut tx, &view.account.id, id, state.clock.now()).await? {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    Ok(())
}

pub async fn set_default(
    state: &AppState,
    view: &SessionView,
    id: &str,
) -> AppResult<PaymentMethodView> {
    require_owner(view)?;
    let mut tx = state.db.begin().await?;
    if !store::set_default(&mut tx, &view.account.id, id).await? {
        return Err(AppError::not_found());
    }
    let method = store::find(&mut tx, &view.account.id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(method)
}

/// The PayPal-style sandbox: the account holder approves or cancels on the approval page.
pub async fn settle_paypal_approval(
    state: &AppState,
    view: &SessionView,
    id: &str,
    approved: bool,
) -> AppResult<()> {
    require_owner(view)?;
    pending_approval(state, view, id).await?;
    let agreement = if approved {
        Some(state.gateway.create_billing_agreement().await?.token)
    } else {
        None
    };
    let mut tx = state.db.begin().await?;
    if !store::settle_approval(
        &mut tx,
        &view.account.id,
        id,
        agreement.as_deref(),
        state.clock.now(),
    )
    .await?
    {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    Ok(())
}

/// A pending PayPal-style method of the account, for its approval page.
pub async fn pending_approval(
    state: &AppState,
    view: &SessionView,
    id: &str,
) -> AppResult<PaymentMethodView> {
    let mut tx = state.db.begin().await?;
    let method = store::find(&mut tx, &view.account.id, id).await?;
    tx.commit().await?;
    method
        .filter(|m| m.status == PaymentMethodStatus::PendingApproval)
        .ok_or_else(AppError::not_found)
}
