//! Creating, listing and revoking API keys (the owner's), and proving one on a request.

use super::model::{ApiKeyView, CreatedApiKey, NewApiKey, Scopes};
use super::store::{self, NewKeyRow};
use crate::admin::audit::{self, Action};
use crate::auth::identity::require_owner;
use crate::auth::model::SessionView;
use crate::auth::tokens::{hash_token, random_token, Identity};
use crate::backend::clock::Timestamp;
use crate::backend::ids::new_id;
use crate::backend::AppState;
use crate::common::{AppError, AppResult, ErrorKind};
use std::collections::BTreeMap;

/// What every key's secret starts with: tells a key from an access token (a JWT) at a glance,
/// and lets secret scanners recognise a leaked one.
pub const SECRET_PREFIX: &str = "igk_";
/// Live keys an account may hold at once.
pub const MAX_LIVE_KEYS: i64 = 25;
/// How often a key's last use is written (seconds): at most once a minute per key, so a busy
/// program does not turn each of its reads into a write.
pub const USE_RECORDED_EVERY: i64 = 60;
const NAME_MAX_CHARS: usize = 60;
const MAX_DAYS: i64 = 3650;

/// Whether a Bearer token is an API key's secret (rather than an access token).
pub fn is_api_key(token: &str) -> bool {
    token.starts_with(SECRET_PREFIX)
}

pub async fn list(state: &AppState, view: &SessionView) -> AppResult<Vec<ApiKeyView>> {
    require_owner(view)?;
    let now = state.clock.now();
    let rows = store::list(&state.db, &view.account.id).await?;
    Ok(rows.iter().map(|row| row.view(now)).collect())
}

/// The checked parts of a request for a new key.
struct Valid {
    name: String,
    scopes: Scopes,
    expires_in_days: Option<i64>,
}

fn validate(request: &NewApiKey) -> AppResult<Valid> {
    let mut fields = BTreeMap::new();
    let name = request.name.trim().to_string();
    if name.is_empty() {
        fields.insert(
            "name".into(),
            "Give the key a name, e.g. the program that uses it.".into(),
        );
    } else if name.chars().count() > NAME_MAX_CHARS {
        fields.insert(
            "name".into(),
            format!("At most {NAME_MAX_CHARS} characters."),
        );
    }
    let scopes = match Scopes::parse(request.scopes.iter().map(String::as_str)) {
        Ok(scopes) if scopes.is_empty() => {
            fields.insert("scopes".into(), "Choose at least one scope.".into());
            scopes
        }
        Ok(scopes) => scopes,
        Err(problem) => {
            fields.insert("scopes".into(), problem);
            Scopes::default()
        }
    };
    if let Some(days) = request.expires_in_days {
        if !(1..=MAX_DAYS).contains(&days) {
            fields.insert(
                "expires_in_days".into(),
                format!(
                    "Between 1 and {MAX_DAYS} days, or none to keep the key until it is revoked."
                ),
            );
        }
    }
    if !fields.is_empty() {
        return Err(AppError::invalid_fields(fields));
    }
    Ok(Valid {
        name,
        scopes,
        expires_in_days: request.expires_in_days,
    })
}

/// Makes a key for the owner's account; the answer carries its secret, which is not stored.
pub async fn create(
    state: &AppState,
    view: &SessionView,
    request: &NewApiKey,
) -> AppResult<CreatedApiKey> {
    require_owner(view)?;
    let valid = validate(request)?;
    let now = state.clock.now();
    let secret = format!("{SECRET_PREFIX}{}", random_token());
    let id = new_id("key");
    let key = NewKeyRow {
        id: &id,
        account_id: &view.account.id,
        user_id: &view.user.id,
        name: &valid.name,
        scopes: valid.scopes,
        key_hash: &hash_token(&secret),
        prefix: &secret[..SECRET_PREFIX.len() + 8],
        expires_at: valid.expires_in_days.map(|days| now + days * 86_400),
    };
    let mut tx = state.db.begin().await?;
    crate::limits::service::lock_and_read(&mut tx, &view.account.id).await?;
    if store::count_live(&mut tx, &view.account.id, now).await? >= MAX_LIVE_KEYS {
        return Err(AppError::with_message(
            ErrorKind::Conflict,
            format!("An account holds at most {MAX_LIVE_KEYS} keys: revoke one you no longer use."),
        ));
    }
    store::insert(&mut tx, &key, now).await?;
    let after =
        serde_json::json!({"name": key.name, "scopes": key.scopes.to_text(), "prefix": key.prefix});
    audit::record(
        &mut tx,
        Action::by_owner(view, "api_key.create", ("api_key", &id), None, Some(after)),
        now,
    )
    .await?;
    let created = store::of_account(&mut tx, &view.account.id, &id)
        .await?
        .ok_or_else(|| AppError::internal("a key just inserted is missing"))?;
    tx.commit().await?;
    Ok(CreatedApiKey {
        key: created.view(now),
        secret,
    })
}

/// Revokes one of the account's keys: its next request is refused. Revoking a revoked key
/// changes nothing and answers it as it is.
pub async fn revoke(state: &AppState, view: &SessionView, id: &str) -> AppResult<ApiKeyView> {
    require_owner(view)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let key = store::of_account(&mut tx, &view.account.id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if store::revoke(&mut tx, id, now).await? {
        let before = serde_json::json!({"name": key.name, "status": key.view(now).status});
        audit::record(
            &mut tx,
            Action::by_owner(view, "api_key.revoke", ("api_key", id), Some(before), None),
            now,
        )
        .await?;
    }
    let key = store::of_account(&mut tx, &view.account.id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(key.view(now))
}

/// The identity a key's secret proves, or why it is refused (401: unknown or revoked;
/// `token_expired`: past its expiry). A use is recorded at most once a minute.
pub async fn authenticate(
    state: &AppState,
    secret: &str,
    now: Timestamp,
) -> Result<Result<Identity, AppError>, sqlx::Error> {
    let Some(key) = store::by_hash(&state.db, &hash_token(secret)).await? else {
        return Ok(Err(AppError::with_message(
            ErrorKind::Unauthenticated,
            "This API key is not known. Check that it was copied whole.",
        )));
    };
    if key.revoked_at.is_some() {
        return Ok(Err(AppError::with_message(
            ErrorKind::Unauthenticated,
            "This API key was revoked. Create a new one on the API keys page.",
        )));
    }
    if key.is_expired(now) {
        return Ok(Err(AppError::with_message(
            ErrorKind::TokenExpired,
            "This API key has expired. Create a new one on the API keys page.",
        )));
    }
    if key
        .last_used_at
        .is_none_or(|at| at <= now - USE_RECORDED_EVERY)
    {
        store::touch(&state.db, &key.id, now).await?;
    }
    Ok(Ok(Identity {
        user_id: key.user_id.clone(),
        session_id: key.id.clone(),
        key_scopes: Some(key.scopes()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str, scopes: &[&str], days: Option<i64>) -> NewApiKey {
        NewApiKey {
            name: name.into(),
            scopes: scopes.iter().map(ToString::to_string).collect(),
            expires_in_days: days,
        }
    }

    fn fields(err: AppError) -> Vec<String> {
        match err.kind {
            ErrorKind::ValidationFailed { fields } => fields.into_keys().collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn a_key_needs_a_name_known_scopes_and_a_sane_expiry() {
        assert!(validate(&request("CI", &["read"], Some(30))).is_ok());
        assert_eq!(
            fields(validate(&request(" ", &["read"], None)).err().unwrap()),
            ["name"]
        );
        assert_eq!(
            fields(
                validate(&request("x", &["read", "admin"], None))
                    .err()
                    .unwrap()
            ),
            ["scopes"]
        );
        assert_eq!(
            fields(validate(&request("x", &[], None)).err().unwrap()),
            ["scopes"]
        );
        assert_eq!(
            fields(validate(&request("x", &["write"], Some(0))).err().unwrap()),
            ["expires_in_days"]
        );
        assert!(is_api_key("igk_0123") && !is_api_key("eyJhbGciOi"));
    }
}
