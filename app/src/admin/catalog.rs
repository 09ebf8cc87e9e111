//! What tenants are offered, edited by admins: credits per operation (new tasks read the cost
//! when they start, so a change never touches running ones) and credit packages (create, edit,
//! activate / deactivate, feature, order). Every change is audited with before and after.

use super::audit::{self, Action};
use super::model::{AdminPackage, CostChange, PackageInput};
use crate::auth::model::SessionView;
use crate::backend::ids::new_id;
use crate::backend::{AppState, Flag, Tx};
use crate::common::{AppError, AppResult, Currency};
use crate::credits::model::CreditPackageView;
use crate::credits::packages::PackageRow;
use std::collections::BTreeMap;

/// Sets new credits for operations, all or none; each change is one audit entry.
pub async fn update_costs(
    state: &AppState,
    admin: &SessionView,
    changes: &[CostChange],
) -> AppResult<()> {
    let mut errors = BTreeMap::new();
    for change in changes {
        if change.credits < 1 || change.credits > 1_000_000 {
            errors.insert(
                change.operation.clone(),
                format!(
                    "Use a whole number of credits from 1 to 1,000,000 for {}.",
                    change.operation
                ),
            );
        }
    }
    if changes.is_empty() {
        errors.insert("operation".into(), "Send at least one change.".into());
    }
    if let Some(first) = errors.values().next().cloned() {
        return Err(AppError::with_message(
            crate::common::ErrorKind::ValidationFailed { fields: errors },
            first,
        ));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    for change in changes {
        let before: Option<i64> =
            sqlx::query_scalar("SELECT credits FROM credit_costs WHERE operation = $1")
                .bind(&change.operation)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(before) = before else {
            return Err(AppError::invalid(&change.operation, "No such operation."));
        };
        if before == change.credits {
            continue;
        }
        sqlx::query("UPDATE credit_costs SET credits = $1, updated_at = $2 WHERE operation = $3")
            .bind(change.credits)
            .bind(now)
            .bind(&change.operation)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            Action {
                admin,
                action: "credit_cost.update",
                target_type: "credit_cost",
                target_id: &change.operation,
                before: Some(serde_json::json!({ "credits": before })),
                after: Some(serde_json::json!({ "credits": change.credits })),
                reason: "",
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

const PACKAGE_COLUMNS: &str =
    "id, name, credits, price, currency, is_active, is_featured, sort_order";

/// A package with what only admins manage, as [`PACKAGE_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
struct AdminPackageRow {
    #[sqlx(flatten)]
    package: PackageRow,
    is_active: Flag,
    sort_order: i64,
}

impl From<AdminPackageRow> for AdminPackage {
    fn from(row: AdminPackageRow) -> Self {
        let package = CreditPackageView::from(row.package);
        AdminPackage {
            id: package.id,
            name: package.name,
            credits: package.credits,
            price: package.price,
            is_active: row.is_active.into(),
            is_featured: package.is_featured,
            sort_order: row.sort_order,
        }
    }
}

/// Every package, active or not, in the tenants' order.
pub async fn packages(state: &AppState) -> AppResult<Vec<AdminPackage>> {
    let rows = sqlx::query_as::<_, AdminPackageRow>(&format!(
        "SELECT {PACKAGE_COLUMNS} FROM credit_packages ORDER BY sort_order, credits, id"
    ))
    .fetch_all(state.db.pool())
    .await?;
    Ok(rows.into_iter().map(AdminPackage::from).collect())
}

async fn package_in(tx: &mut Tx, id: &str) -> AppResult<AdminPackage> {
    let row = sqlx::query_as::<_, AdminPackageRow>(&format!(
        "SELECT {PACKAGE_COLUMNS} FROM credit_packages WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(AppError::not_found)?;
    Ok(row.into())
}

/// The input's problems, field by field, or the currency it names.
fn validate(input: &PackageInput) -> AppResult<Currency> {
    let mut errors = BTreeMap::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.insert(
            "name".into(),
            "Give the package a name (up to 100 characters).".into(),
        );
    }
    if input.credits < 1 || input.credits > 10_000_000 {
        errors.insert(
            "credits".into(),
            "Use a whole number of credits from 1 to 10,000,000.".into(),
        );
    }
    if input.price < 0 || input.price > 100_000_000 {
        errors.insert(
            "price".into(),
            "Enter a price from 0 to 1,000,000.00.".into(),
        );
    }
    let currency = Currency::parse(if input.currency.is_empty() {
        "USD"
    } else {
        &input.currency
    });
    if let Err(problem) = &currency {
        errors.insert("currency".into(), problem.clone());
    }
    match currency {
        Ok(currency) if errors.is_empty() => Ok(currency),
        _ => Err(AppError::invalid_fields(errors)),
    }
}

pub async fn create_package(
    state: &AppState,
    admin: &SessionView,
    input: PackageInput,
) -> AppResult<AdminPackage> {
    let currency = validate(&input)?;
    let now = state.clock.now();
    let id = new_id("pkg");
    let mut tx = state.db.begin().await?;
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(sort_order) FROM credit_packages")
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO credit_packages (id, name, credits, price, currency, is_active, is_featured, sort_order, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(&id)
    .bind(input.name.trim())
    .bind(input.credits)
    .bind(input.price)
    .bind(currency.as_str())
    .bind(input.is_active.unwrap_or(true) as i64)
    .bind(input.is_featured.unwrap_or(false) as i64)
    .bind(input.sort_order.unwrap_or(last.unwrap_or(0) + 1))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let created = package_in(&mut tx, &id).await?;
    audit::record(
        &mut tx,
        Action {
            admin,
            action: "credit_package.create",
            target_type: "credit_package",
            target_id: &id,
            before: None,
            after: Some(serde_json::to_value(&created).unwrap_or_default()),
            reason: "",
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// Edits a package; fields left out (`is_active`, `is_featured`, `sort_order`) keep their value.
pub async fn update_package(
    state: &AppState,
    admin: &SessionView,
    id: &str,
    input: PackageInput,
) -> AppResult<AdminPackage> {
    let currency = validate(&input)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let before = package_in(&mut tx, id).await?;
    sqlx::query(
        "UPDATE credit_packages SET name = $1, credits = $2, price = $3, currency = $4, is_active = $5, \
         is_featured = $6, sort_order = $7, updated_at = $8 WHERE id = $9",
    )
    .bind(input.name.trim())
    .bind(input.credits)
    .bind(input.price)
    .bind(currency.as_str())
    .bind(input.is_active.unwrap_or(before.is_active) as i64)
    .bind(input.is_featured.unwrap_or(before.is_featured) as i64)
    .bind(input.sort_order.unwrap_or(before.sort_order))
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let after = package_in(&mut tx, id).await?;
    audit::record(
        &mut tx,
        Action {
            admin,
            action: "credit_package.update",
            target_type: "credit_package",
            target_id: id,
            before: Some(serde_json::to_value(&before).unwrap_or_default()),
            after: Some(serde_json::to_value(&after).unwrap_or_default()),
            reason: "",
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Moves a package one place up (`-1`) or down (`1`) in the tenants' order, swapping with its
/// neighbour; the whole order is renumbered 1, 2, … so it stays unambiguous.
pub async fn move_package(
    state: &AppState,
    admin: &SessionView,
    id: &str,
    step: i64,
) -> AppResult<Vec<AdminPackage>> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let mut order: Vec<String> =
        sqlx::query_scalar("SELECT id FROM credit_packages ORDER BY sort_order, credits, id")
            .fetch_all(&mut *tx)
            .await?;
    let from = order
        .iter()
        .position(|p| p == id)
        .ok_or_else(AppError::not_found)?;
    let to = (from as i64 + step.signum()).clamp(0, order.len() as i64 - 1) as usize;
    order.swap(from, to);
    for (i, package) in order.iter().enumerate() {
        sqlx::query("UPDATE credit_packages SET sort_order = $1, updated_at = $2 WHERE id = $3")
            .bind(i as i64 + 1)
            .bind(now)
            .bind(package)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        Action {
            admin,
            action: "credit_package.reorder",
            target_type: "credit_package",
            target_id: id,
            before: Some(serde_json::json!({ "position": from + 1 })),
            after: Some(serde_json::json!({ "position": to + 1 })),
            reason: "",
        },
        now,
    )
    .await?;
    tx.commit().await?;
    packages(state).await
}

/// Activates or deactivates a package, keeping everything else (audited like an edit).
pub async fn set_package_active(
    state: &AppState,
    admin: &SessionView,
    id: &str,
    active: bool,
) -> AppResult<AdminPackage> {
    let current = packages(state)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(AppError::not_found)?;
    let input = PackageInput {
        name: current.name,
        credits: current.credits,
        price: current.price.amount,
        currency: current.price.currency.as_str().to_string(),
        is_active: Some(active),
        is_featured: Some(current.is_featured),
        sort_order: Some(current.sort_order),
    };
    update_package(state, admin, id, input).await
}
