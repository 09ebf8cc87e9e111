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
pub async fn run_planner(keywords: String) -> Result<TaskView, AppError> {
    let (view, _) = require_session().await?;
    let request = PlannerRequest {
        keywords: vec![keywords],
        site_id: None,
    };
    tasks::run_planner(&app_state()?, &view, request).await
}

/// An outline or an article draft for a keyword.
#[server(endpoint = "writer/run")]
pub async fn run_writer(
    kind: String,
    keyword: String,
    words: Option<i64>,
) -> Result<TaskView, AppError> {
    let (view, _) = require_session().await?;
    let request = WriterRequest {
        kind,
        keyword,
        words,
        site_id: None,
    };
    tasks::run_writer(&app_state()?, &view, request).await
}

/// Which AI provider writes (the offline templates are labelled as such in the Writer).
#[server(endpoint = "writer/provider")]
pub async fn writer_provider() -> Result<String, AppError> {
    require_session().await?;
    Ok(app_state()?.ai.name())
}
