//! Adding, listing and removing sites. Adding is guarded by the `sites` limit in the same
//! transaction as the insert.

use super::model::{normalize_url, NewSite, SiteView};
use crate::auth::identity::require_active_plan;
use crate::auth::model::SessionView;
use crate::backend::clock::rfc3339;
use crate::backend::ids::new_id;
use crate::backend::{AppState, Timestamp};
use crate::common::{AppError, AppResult, ErrorKind};
use crate::limits::service::{ensure_room, lock_and_read, sites_used};

/// One of the account's sites.
#[derive(sqlx::FromRow)]
struct SiteRow {
    id: String,
    name: String,
    url: String,
    created_at: Timestamp,
}

impl From<SiteRow> for SiteView {
    fn from(row: SiteRow) -> Self {
        SiteView {
            id: row.id,
            name: row.name,
            url: row.url,
            created_at: rfc3339(row.created_at),
        }
    }
}

pub async fn list(state: &AppState, view: &SessionView) -> AppResult<Vec<SiteView>> {
    let rows = sqlx::query_as::<_, SiteRow>(
        "SELECT id, name, url, created_at FROM sites WHERE account_id = $1 ORDER BY created_at, id",
    )
    .bind(&view.account.id)
    .fetch_all(state.db.pool())
    .await?;
    Ok(rows.into_iter().map(SiteView::from).collect())
}

fn validate(new: &NewSite) -> AppResult<(String, String)> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(
            "name",
            "Give the site a name (up to 100 characters).",
        ));
    }
    let url = normalize_url(&new.url).ok_or_else(|| {
        AppError::invalid("url", "Enter the site's address, like https://example.com.")
    })?;
    Ok((name.to_string(), url))
}

pub async fn add(state: &AppState, view: &SessionView, new: NewSite) -> AppResult<SiteView> {
    require_active_plan(view)?;
    let (name, url) = validate(&new)?;
    let account_id = &view.account.id;
    let now = state.clock.now();
    let id = new_id("site");
    let mut tx = state.db.begin().await?;
    let limits = lock_and_read(&mut tx, account_id).await?;
    let used = sites_used(&mut *tx, account_id).await?;
    ensure_room(&mut tx, "sites", limits.sites, used).await?;
    let inserted = sqlx::query(
        "INSERT INTO sites (id, account_id, name, url, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(account_id)
    .bind(&name)
    .bind(&url)
    .bind(now)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e)
            if crate::backend::db::is_unique_violation(
                &e,
                "sites_account_url_key",
                "sites.url",
            ) =>
        {
            return Err(AppError::with_message(
                ErrorKind::Conflict,
                "This site is already added.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(SiteView {
        id,
        name,
        url,
        created_at: rfc3339(now),
    })
}

pub async fn remove(state: &AppState, view: &SessionView, id: &str) -> AppResult<()> {
    require_active_plan(view)?;
    let deleted = sqlx::query("DELETE FROM sites WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(&view.account.id)
        .execute(state.db.writer())
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(AppError::not_found());
    }
    Ok(())
}
