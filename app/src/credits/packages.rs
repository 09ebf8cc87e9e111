//! Credit packages: the active ones in the admin's order, and buying one through the same
//! invoice → payment → settlement path as a subscription. The credits are granted by the
//! settlement of the paid invoice (`purchase` ledger entry keyed by the invoice), so they arrive
//! exactly once, whether the card is charged now or a bank transfer is approved later.

use super::model::{CreditPackageView, PurchaseOutcome, PurchaseRequest};
use crate::auth::identity::require_active_plan;
use crate::auth::identity::require_owner;
use crate::auth::model::SessionView;
use crate::backend::idempotency::EffectKey;
use crate::backend::{AppState, Db, Flag};
use crate::common::{AppError, AppResult, Currency, Money};
use crate::invoices::model::{InvoicePurpose, InvoiceStatus};
use crate::invoices::store::{self as invoices, NewInvoice, NewLine};
use crate::payments::checkout;

const COLUMNS: &str = "id, name, credits, price, currency, is_featured";

/// A package as [`COLUMNS`] reads it (the admins' catalogue reads these columns and more).
#[derive(sqlx::FromRow)]
pub(crate) struct PackageRow {
    id: String,
    name: String,
    credits: i64,
    price: i64,
    currency: String,
    is_featured: Flag,
}

impl From<PackageRow> for CreditPackageView {
    fn from(row: PackageRow) -> Self {
        CreditPackageView {
            id: row.id,
            name: row.name,
            credits: row.credits,
            price: Money::new(
                row.price,
                Currency::parse(&row.currency).unwrap_or_else(|_| Currency::usd()),
            ),
            is_featured: row.is_featured.into(),
        }
    }
}

/// The packages tenants can buy, in the order the admin set.
pub async fn list_active(db: &Db) -> Result<Vec<CreditPackageView>, sqlx::Error> {
    let rows = sqlx::query_as::<_, PackageRow>(&format!(
        "SELECT {COLUMNS} FROM credit_packages WHERE is_active = 1 ORDER BY sort_order, credits, id"
    ))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(CreditPackageView::from).collect())
}

async fn find_active(db: &Db, id: &str) -> AppResult<CreditPackageView> {
    let row = sqlx::query_as::<_, PackageRow>(&format!(
        "SELECT {COLUMNS} FROM credit_packages WHERE id = $1 AND is_active = 1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.map(CreditPackageView::from)
        .ok_or_else(AppError::not_found)
}

/// Buys a package: issue the invoice, charge the chosen (or default) method. A card or PayPal
/// charge grants the credits before this returns; a bank transfer leaves the invoice open.
/// `effect` (from the idempotency key of the request or the rendered form) keys the invoice:
/// a double submission, or a retry after a crash, finishes the first purchase instead of
/// buying twice.
pub async fn purchase(
    state: &AppState,
    view: &SessionView,
    package_id: &str,
    request: PurchaseRequest,
    effect: Option<&EffectKey>,
) -> AppResult<PurchaseOutcome> {
    require_owner(view)?;
    require_active_plan(view)?;
    let invoice_key = effect.map(|e| e.scoped("package"));
    let method = request.payment_method_id.as_deref();
    buy(state, &view.account.id, package_id, method, invoice_key).await
}

/// Buys a package for the account with `method_id` (the default when none): what [`purchase`]
/// does once the buyer is known, and what an automatic top-up does (credits/alerts.rs).
/// `invoice_key` makes it happen once per key.
pub async fn buy(
    state: &AppState,
    account_id: &str,
    package_id: &str,
    method_id: Option<&str>,
    invoice_key: Option<String>,
) -> AppResult<PurchaseOutcome> {
    if let Some(key) = &invoice_key {
        let mut tx = state.db.begin().await?;
        let existing = invoices::find_by_key(&mut tx, key).await?;
        tx.commit().await?;
        if let Some(invoice_id) = existing {
            return finished(state, account_id, &invoice_id).await;
        }
    }
    let package = find_active(&state.db, package_id).await?;
    let method = checkout::resolve_method(&state.db, account_id, method_id).await?;
    let now = crate::accounts::test_clock::now_for(state, account_id).await?;
    let mut tx = state.db.begin().await?;
    let issued = invoices::issue(
        &mut tx,
        NewInvoice {
            account_id,
            seller: &state.settings.seller,
            purpose: InvoicePurpose::CreditPackage,
            subscription_id: None,
            plan_id: None,
            package_id: Some(&package.id),
            credits: package.credits,
            period: None,
            interval: None,
            currency: package.price.currency.as_str(),
            lines: vec![NewLine {
                description: format!("{} ({} credits)", package.name, package.credits),
                quantity: 1,
                unit_amount: package.price.amount,
            }],
            idempotency_key: invoice_key.as_deref(),
            at: now,
        },
    )
    .await;
    let invoice_id = match issued {
        Ok(id) => id,
        // The same form was submitted twice at once: the other submission owns the purchase.
        Err(e)
            if crate::backend::db::is_unique_violation(
                &e,
                "invoices_idempotency_key",
                "invoices.idempotency_key",
            ) =>
        {
            drop(tx);
            let mut tx = state.db.begin().await?;
            let key = invoice_key.as_deref().unwrap_or_default();
            let id = invoices::find_by_key(&mut tx, key)
                .await?
                .ok_or_else(AppError::not_found)?;
            tx.commit().await?;
            return finished(state, account_id, &id).await;
        }
        Err(e) => return Err(e.into()),
    };
    let payment = checkout::pay_issued(state, tx, &invoice_id, &method).await?;
    outcome(state, account_id, &invoice_id, payment).await
}

/// The purchase an earlier submission under the same key made, with its charge finished.
async fn finished(
    state: &AppState,
    account_id: &str,
    invoice_id: &str,
) -> AppResult<PurchaseOutcome> {
    let payment = checkout::finish_issued(state, account_id, invoice_id).await?;
    outcome(state, account_id, invoice_id, payment).await
}

async fn outcome(
    state: &AppState,
    account_id: &str,
    invoice_id: &str,
    payment: Option<crate::payments::model::PaymentView>,
) -> AppResult<PurchaseOutcome> {
    let invoice = invoices::find(&state.db, Some(account_id), invoice_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(PurchaseOutcome {
        credits_granted: invoice.status == InvoiceStatus::Paid,
        invoice,
        payment,
    })
}
