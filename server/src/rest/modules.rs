//! `/api/v1/planner/tasks/` and `/api/v1/writer/tasks/`: module work that spends credits. The
//! module, the plan and the credits are checked before any work starts (tasks.rs).

use super::idempotency;
use super::json::ApiJson;
use super::params::ApiPath;
use super::route;
use app::auth::identity::Authenticated;
use app::backend::AppState;
use app::common::{AppError, AppResult};
use app::modules::model::{PlannerRequest, TaskView, WriterRequest};
use app::modules::tasks;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/planner/tasks", post(planner_task));
    let router = route(router, "/writer/tasks", post(writer_task));
    let router = route(router, "/planner/tasks/{id}", get(planner_find));
    route(router, "/writer/tasks/{id}", get(writer_find))
}

async fn planner_task(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PlannerRequest>,
) -> Response {
    let (state, view) = (&state, &auth.view);
    let asked = ("planner", request);
    idempotency::run(state, view, &headers, asked, StatusCode::CREATED, |request, effect| async move {
        tasks::run_planner(state, view, request, effect.as_ref()).await
    })
    .await
}

async fn writer_task(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    ApiJson(request): ApiJson<WriterRequest>,
) -> Response {
    let (state, view) = (&state, &auth.view);
    let asked = ("writer", request);
    idempotency::run(state, view, &headers, asked, StatusCode::CREATED, |request, effect| async move {
        tasks::run_writer(state, view, request, effect.as_ref()).await
    })
    .await
}

async fn find_in(
    state: &AppState,
    auth: &Authenticated,
    module: &str,
    id: &str,
) -> AppResult<Json<TaskView>> {
    tasks::require_module(state, &auth.view, module).await?;
    tasks::find(state, &auth.view.account.id, id)
        .await?
        .filter(|task| task.module == module)
        .map(Json)
        .ok_or_else(AppError::not_found)
}

async fn planner_find(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Json<TaskView>> {
    find_in(&state, &auth, "planner", &id).await
}

async fn writer_find(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Json<TaskView>> {
    find_in(&state, &auth, "writer", &id).await
}
