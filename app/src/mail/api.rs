//! Server functions of the outbox pages: the development one and the admins'.

use super::model::OutboxEmail;
use crate::common::AppError;
use leptos::prelude::*;

/// The newest emails, in development only (production answers 404).
#[server(endpoint = "dev/outbox")]
pub async fn dev_outbox() -> Result<Vec<OutboxEmail>, AppError> {
    let state = crate::backend::app_state()?;
    if state.settings.mode != crate::backend::RunMode::Development {
        return Err(AppError::not_found());
    }
    crate::backend::mail::recent(&state, 100).await
}

/// The newest emails (read-only), for admins in any mode.
#[server(endpoint = "admin/outbox")]
pub async fn admin_outbox() -> Result<Vec<OutboxEmail>, AppError> {
    crate::auth::identity::require_admin().await?;
    crate::backend::mail::recent(&crate::backend::app_state()?, 200).await
}
