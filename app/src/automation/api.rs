//! Server functions of the Automation page; the REST endpoints call the same service.

use super::model::JobView;
use crate::common::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::model::QueueRequest, super::service, crate::auth::identity::require_session,
    crate::backend::app_state,
};

#[server(endpoint = "automation/jobs")]
pub async fn list_automation_jobs() -> Result<Vec<JobView>, AppError> {
    let (view, _) = require_session().await?;
    service::list(&app_state()?, &view).await
}

/// The page's form: keywords one per line, one site or all (`site_id` empty).
#[server(endpoint = "automation/queue")]
pub async fn queue_automation(
    kind: String,
    words: Option<String>,
    keywords: String,
    site_id: String,
) -> Result<Vec<JobView>, AppError> {
    let (view, _) = require_session().await?;
    let words =
        match words.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
            None => None,
            Some(w) => Some(w.parse().map_err(|_| {
                AppError::invalid("words", "Enter the length as a number of words.")
            })?),
        };
    let request = QueueRequest {
        kind,
        // An outline has no length: the Writer ignores `words` for it.
        words,
        keywords: vec![keywords],
        site_ids: Some(site_id)
            .filter(|s| !s.is_empty())
            .into_iter()
            .collect(),
    };
    service::queue(&app_state()?, &view, request).await
}
