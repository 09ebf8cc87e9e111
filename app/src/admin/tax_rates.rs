//! Tax rates by country, kept by admins (invoices/tax.rs applies them when an invoice is issued).
//! Every change is audited with before and after; invoices already issued keep their rate.

use super::audit::{self, Action};
use super::model::{TaxRateInput, TaxRateView};
use crate::auth::model::SessionView;
use crate::backend::{AppState, Db, Timestamp, Tx};
use crate::common::{AppError, AppResult};
use crate::invoices::parties::country_code;
use crate::invoices::tax::CountryRate;
use std::collections::BTreeMap;

pub async fn list(db: &Db) -> AppResult<Vec<TaxRateView>> {
    let rows: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT country, name, rate_bp FROM tax_rates ORDER BY country")
            .fetch_all(db.pool())
            .await?;
    Ok(rows
        .into_iter()
        .map(|(country, name, rate_bp)| TaxRateView {
            country,
            name,
            rate_bp,
        })
        .collect())
}

/// The rate of `country`, read in the transaction that issues an invoice.
pub async fn rate_in(tx: &mut Tx, country: &str) -> Result<Option<CountryRate>, sqlx::Error> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT name, rate_bp FROM tax_rates WHERE country = $1")
            .bind(country)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(name, rate_bp)| CountryRate { name, rate_bp }))
}

/// Records a change of `country`'s rate from `[before, after]` in the audit log.
async fn audit_change(
    tx: &mut Tx,
    admin: &SessionView,
    action: &str,
    country: &str,
    [before, after]: [Option<&CountryRate>; 2],
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    let json = |rate: &CountryRate| serde_json::json!({"name": rate.name, "rate_bp": rate.rate_bp});
    let action = Action {
        admin,
        action,
        target_type: "tax_rate",
        target_id: country,
        before: before.map(json),
        after: after.map(json),
        reason: "",
    };
    audit::record(tx, action, at).await
}

fn check(country: &str, input: &TaxRateInput) -> AppResult<(String, TaxRateInput)> {
    let mut problems = BTreeMap::new();
    let code = country_code(country);
    if code.is_none() {
        problems.insert(
            "country".to_string(),
            "Use a two-letter country code, for example DE.".to_string(),
        );
    }
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 40 {
        problems.insert(
            "name".to_string(),
            "Name the tax (up to 40 characters), for example VAT.".to_string(),
        );
    }
    if !(0..=10_000).contains(&input.rate_bp) {
        problems.insert(
            "rate_bp".to_string(),
            "The rate is in basis points, from 0 to 10000 (100%).".to_string(),
        );
    }
    if !problems.is_empty() {
        return Err(AppError::invalid_fields(problems));
    }
    Ok((
        code.unwrap_or_default(),
        TaxRateInput {
            name,
            rate_bp: input.rate_bp,
        },
    ))
}

/// Sets the rate of a country (new or changed), audited.
pub async fn set(
    state: &AppState,
    admin: &SessionView,
    country: &str,
    input: &TaxRateInput,
) -> AppResult<TaxRateView> {
    let (country, input) = check(country, input)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let before = rate_in(&mut tx, &country).await?;
    sqlx::query(
        "INSERT INTO tax_rates (country, name, rate_bp, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (country) DO UPDATE SET name = excluded.name, rate_bp = excluded.rate_bp, \
         updated_at = excluded.updated_at",
    )
    .bind(&country)
    .bind(&input.name)
    .bind(input.rate_bp)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let after = CountryRate {
        name: input.name.clone(),
        rate_bp: input.rate_bp,
    };
    let change = [before.as_ref(), Some(&after)];
    audit_change(&mut tx, admin, "tax_rate.set", &country, change, now).await?;
    tx.commit().await?;
    Ok(TaxRateView {
        country,
        name: input.name,
        rate_bp: input.rate_bp,
    })
}

/// Removes a country's rate (its invoices become untaxed from now on), audited; 404 when it has
/// none.
pub async fn remove(state: &AppState, admin: &SessionView, country: &str) -> AppResult<()> {
    let country = country_code(country).ok_or_else(AppError::not_found)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let before = rate_in(&mut tx, &country)
        .await?
        .ok_or_else(AppError::not_found)?;
    sqlx::query("DELETE FROM tax_rates WHERE country = $1")
        .bind(&country)
        .execute(&mut *tx)
        .await?;
    let change = [Some(&before), None];
    audit_change(&mut tx, admin, "tax_rate.remove", &country, change, now).await?;
    tx.commit().await?;
    Ok(())
}
