//! `/api/v1/admin/accounts/{id}/test-clock/…`: an account's test clock (outside production only;
//! `app/src/accounts/test_clock.rs`). In production every path answers 404.

use super::json::ApiJson;
use super::params::ApiPath;
use super::route;
use app::accounts::model::{ClockStep, TestClockView};
use app::accounts::test_clock;
use app::auth::identity::AdminUser;
use app::backend::AppState;
use app::common::{AppError, AppResult};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    let router = route(
        Router::new(),
        "/admin/accounts/{id}/test-clock",
        get(show).post(attach),
    );
    route(
        router,
        "/admin/accounts/{id}/test-clock/advance",
        post(advance),
    )
}

/// The account's clock; 404 when it has none.
async fn show(
    State(state): State<AppState>,
    AdminUser(_admin): AdminUser,
    ApiPath(account_id): ApiPath<String>,
) -> AppResult<Json<TestClockView>> {
    test_clock::allowed(&state)?;
    let clock = test_clock::view(&state, &account_id).await?;
    Ok(Json(clock.ok_or_else(AppError::not_found)?))
}

/// Attaches the account to a clock at the real time; attaching again changes nothing.
async fn attach(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(account_id): ApiPath<String>,
) -> AppResult<Json<TestClockView>> {
    Ok(Json(
        test_clock::attach(&state, &admin.view, &account_id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct AdvanceRequest {
    /// `day`, `month` or `next_renewal`; missing is a field error like a wrong one.
    #[serde(default)]
    by: String,
}

/// `{"by": "day" | "month" | "next_renewal"}`: moves the clock and runs what falls due on the way.
async fn advance(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(account_id): ApiPath<String>,
    ApiJson(request): ApiJson<AdvanceRequest>,
) -> AppResult<Json<TestClockView>> {
    let step: ClockStep = request
        .by
        .parse()
        .map_err(|_| AppError::invalid("by", test_clock::STEP_CHOICES))?;
    Ok(Json(
        test_clock::advance(&state, &admin.view, &account_id, step).await?,
    ))
}
