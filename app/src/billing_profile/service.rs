//! Reading, checking and saving billing profiles, and the buyer an invoice copies.

use super::model::{BillingProfileRequest, BillingProfileView};
use crate::auth::email::Email;
use crate::auth::identity::require_owner;
use crate::auth::model::SessionView;
use crate::backend::{AppState, Tx};
use crate::common::{AppError, AppResult};
use crate::invoices::parties::{country_code, InvoiceParty};
use std::collections::BTreeMap;

const MAX_NAME: usize = 200;
const MAX_ADDRESS: usize = 500;
const MAX_ADDRESS_LINES: usize = 6;
const MAX_TAX_ID: usize = 32;

#[derive(Debug, Clone, sqlx::FromRow)]
struct ProfileRow {
    legal_name: String,
    address: String,
    country: String,
    tax_id: Option<String>,
    billing_email: Option<String>,
}

const SELECT: &str =
    "SELECT legal_name, address, country, tax_id, billing_email FROM billing_profiles WHERE account_id = $1";

/// The account's profile; before one is saved, its name and empty fields.
pub async fn get(state: &AppState, view: &SessionView) -> AppResult<BillingProfileView> {
    require_owner(view)?;
    let row: Option<ProfileRow> = sqlx::query_as(SELECT)
        .bind(&view.account.id)
        .fetch_optional(state.db.pool())
        .await?;
    Ok(match row {
        Some(row) => BillingProfileView {
            legal_name: row.legal_name,
            address: row.address,
            country: row.country,
            tax_id: row.tax_id,
            billing_email: row.billing_email,
            is_set: true,
        },
        None => BillingProfileView {
            legal_name: view.account.name.clone(),
            ..BillingProfileView::default()
        },
    })
}

/// Blank optional text is none.
fn optional(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// The request checked and normalised (trimmed lines, upper-case country and tax id), or 422
/// naming every field that is wrong.
pub fn check(request: &BillingProfileRequest) -> AppResult<BillingProfileRequest> {
    let mut problems = BTreeMap::new();
    let mut problem = |field: &str, text: &str| {
        problems.insert(field.to_string(), text.to_string());
    };
    let legal_name = request.legal_name.trim().to_string();
    if legal_name.is_empty() || legal_name.chars().count() > MAX_NAME {
        problem("legal_name", "Enter the legal name (up to 200 characters).");
    }
    let lines: Vec<&str> = request
        .address
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let address = lines.join("\n");
    if address.is_empty() {
        problem("address", "Enter the postal address.");
    } else if lines.len() > MAX_ADDRESS_LINES || address.chars().count() > MAX_ADDRESS {
        problem(
            "address",
            "The address may have at most 6 lines and 500 characters.",
        );
    }
    let country = country_code(&request.country);
    if country.is_none() {
        problem(
            "country",
            "Enter the two-letter country code, for example DE or US.",
        );
    }
    let tax_id = optional(&request.tax_id).map(|t| t.to_uppercase());
    if let Some(id) = &tax_id {
        let allowed = |c: char| c.is_ascii_alphanumeric() || " .-/".contains(c);
        if id.chars().count() > MAX_TAX_ID || !id.chars().all(allowed) {
            problem(
                "tax_id",
                "A tax id has up to 32 letters, digits, spaces, dots, dashes or slashes.",
            );
        }
    }
    let billing_email = optional(&request.billing_email);
    if let Some(email) = &billing_email {
        if let Err(e) = Email::parse(email) {
            problem("billing_email", e.as_str());
        }
    }
    if !problems.is_empty() {
        return Err(AppError::invalid_fields(problems));
    }
    Ok(BillingProfileRequest {
        legal_name,
        address,
        country: country.unwrap_or_default(),
        tax_id,
        billing_email,
    })
}

/// Saves the profile; invoices issued from now on print it.
pub async fn save(
    state: &AppState,
    view: &SessionView,
    request: &BillingProfileRequest,
) -> AppResult<BillingProfileView> {
    require_owner(view)?;
    let profile = check(request)?;
    sqlx::query(
        "INSERT INTO billing_profiles (account_id, legal_name, address, country, tax_id, billing_email, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (account_id) DO UPDATE SET legal_name = excluded.legal_name, address = excluded.address, \
         country = excluded.country, tax_id = excluded.tax_id, billing_email = excluded.billing_email, \
         updated_at = excluded.updated_at",
    )
    .bind(&view.account.id)
    .bind(&profile.legal_name)
    .bind(&profile.address)
    .bind(&profile.country)
    .bind(&profile.tax_id)
    .bind(&profile.billing_email)
    .bind(state.clock.now())
    .execute(state.db.writer())
    .await?;
    get(state, view).await
}

/// The buyer an invoice issued now prints: the billing profile, or the account's name alone.
pub async fn buyer(tx: &mut Tx, account_id: &str) -> Result<InvoiceParty, sqlx::Error> {
    let row: Option<ProfileRow> = sqlx::query_as(SELECT)
        .bind(account_id)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(row) = row {
        return Ok(InvoiceParty {
            name: row.legal_name,
            address: row.address.lines().map(str::to_string).collect(),
            country: Some(row.country),
            tax_id: row.tax_id,
            email: row.billing_email,
        });
    }
    let name: String = sqlx::query_scalar("SELECT name FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(InvoiceParty {
        name,
        ..InvoiceParty::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(country: &str, tax_id: Option<&str>, email: Option<&str>) -> BillingProfileRequest {
        BillingProfileRequest {
            legal_name: "  Zoë Ødegård AS ".into(),
            address: "Storgata 1\n\n 0155 Oslo \n".into(),
            country: country.into(),
            tax_id: tax_id.map(str::to_string),
            billing_email: email.map(str::to_string),
        }
    }

    #[test]
    fn a_profile_is_trimmed_and_upper_cased() {
        let checked = check(&request("no", Some(" no123456789mva "), Some(""))).unwrap();
        assert_eq!(checked.legal_name, "Zoë Ødegård AS");
        assert_eq!(checked.address, "Storgata 1\n0155 Oslo");
        assert_eq!(checked.country, "NO");
        assert_eq!(checked.tax_id.as_deref(), Some("NO123456789MVA"));
        assert_eq!(checked.billing_email, None);
    }

    #[test]
    fn every_wrong_field_is_named() {
        let mut wrong = request("Norway", Some("<script>"), Some("nope"));
        wrong.legal_name = " ".into();
        let error = check(&wrong).unwrap_err();
        let fields = error.field_errors().expect("field errors");
        for field in ["legal_name", "country", "tax_id", "billing_email"] {
            assert!(fields.contains_key(field), "{field} not named: {fields:?}");
        }
    }
}
