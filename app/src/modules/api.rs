//! Server functions of the Planner and Writer pages. They run the same metered path as the
//! REST endpoints: module, plan and credits are checked on the server whatever the page sent.

use super::model::TaskView;
use crate::common::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::model::{PlannerRequest, WriterRequest},
    super::tasks,
    crate::auth::identity::require_session,
    crate::backend::app_state,
};

/// Clusters the pasted keywords (one per line or comma-separated).
#[server(endpoint = "planner/run")]
pub async fn run_planner(
    keywords: String,
    request_key: Option<String>,
) -> Result<TaskView, AppError> {
    let (view, _) = require_session().await?;
    let request = PlannerRequest {
        keywords: vec![keywords],
        site_id: None,
    };
    let fingerprint = crate::backend::idempotency::fingerprint("planner", &request);
    let account_id = view.account.id.clone();
    let run = |state: crate::backend::AppState,
               effect: Option<crate::backend::idempotency::EffectKey>| async move {
        tasks::run_planner(&state, &view, request, effect.as_ref()).await
    };
    run_once(&account_id, request_key, &fingerprint, "/planner", run).await
}

/// An outline or an article draft for a keyword.
#[server(endpoint = "writer/run")]
pub async fn run_writer(
    kind: String,
    keyword: String,
    words: Option<i64>,
    request_key: Option<String>,
) -> Result<TaskView, AppError> {
    let (view, _) = require_session().await?;
    let request = WriterRequest {
        kind,
        keyword,
        words,
        site_id: None,
    };
    let fingerprint = crate::backend::idempotency::fingerprint("writer", &request);
    let account_id = view.account.id.clone();
    let run = |state: crate::backend::AppState,
               effect: Option<crate::backend::idempotency::EffectKey>| async move {
        tasks::run_writer(&state, &view, request, effect.as_ref()).await
    };
    run_once(&account_id, request_key, &fingerprint, "/writer", run).await
}

/// A task of the account: what a page shows after a form posted without JavaScript ran it.
#[server(endpoint = "tasks/get")]
pub async fn get_task(id: String) -> Result<TaskView, AppError> {
    let (view, _) = require_session().await?;
    tasks::find(&app_state()?, &view.account.id, &id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// A task started from a page runs once per rendered form (`request_key`), as through REST. A
/// form posted without JavaScript then lands on `page?task={id}`, which shows the result.
#[cfg(feature = "ssr")]
async fn run_once<F, Fut>(
    account_id: &str,
    request_key: Option<String>,
    fingerprint: &str,
    page: &str,
    work: F,
) -> Result<TaskView, AppError>
where
    F: FnOnce(crate::backend::AppState, Option<crate::backend::idempotency::EffectKey>) -> Fut,
    Fut: std::future::Future<Output = Result<TaskView, AppError>>,
{
    let state = app_state()?;
    let task: TaskView = crate::backend::idempotency::once_for_form(
        &state.clone(),
        account_id,
        request_key.as_deref(),
        fingerprint,
        |effect| work(state, effect),
    )
    .await?;
    crate::backend::no_js::show_outcome_at(&format!("{page}?task={}", task.id));
    Ok(task)
}

/// Which AI provider writes (the offline templates are labelled as such in the Writer).
#[server(endpoint = "writer/provider")]
pub async fn writer_provider() -> Result<String, AppError> {
    require_session().await?;
    Ok(app_state()?.ai.name())
}
