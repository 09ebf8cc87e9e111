//! `/api/v1/auth/…`: register, login, refresh, logout, me, email verification, password reset
//! and the public plan list.

use super::json::ApiJson;
use super::route;
use super::schemas::{MeAnswer, StatusAnswer, TokensAnswer};
use app::auth::guard::landing_path;
use app::auth::identity::{Authenticated, ClientIp};
use app::auth::model::{AuthResponse, SessionView, PLANS_PATH};
use app::auth::service::{self, RegisterInput, SignedIn};
use app::backend::AppState;
use app::common::AppResult;
use app::plans::model::PlanList;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    let router = Router::new();
    let router = route(router, "/auth/register", post(register));
    let router = route(router, "/auth/login", post(login));
    let router = route(router, "/auth/refresh", post(refresh));
    let router = route(router, "/auth/logout", post(logout));
    let router = route(router, "/auth/me", get(me));
    let router = route(router, "/auth/verify-email", post(verify_email));
    let router = route(router, "/auth/password-reset", post(password_reset));
    let router = route(
        router,
        "/auth/password-reset/confirm",
        post(password_reset_confirm),
    );
    route(router, "/auth/plans", get(plans))
}

pub(crate) fn auth_response(signed_in: SignedIn, next: String) -> AuthResponse {
    let onboarding =
        (!signed_in.view.account.has_active_plan()).then(|| "plan_required".to_string());
    AuthResponse {
        user: signed_in.view.user,
        account: signed_in.view.account,
        tokens: signed_in.tokens,
        next,
        onboarding,
    }
}

async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<RegisterInput>,
) -> AppResult<(StatusCode, Json<AuthResponse>)> {
    let signed_in = service::register(&state, input, &ip).await?;
    Ok((
        StatusCode::CREATED,
        Json(auth_response(signed_in, PLANS_PATH.into())),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct LoginInput {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<LoginInput>,
) -> AppResult<Json<AuthResponse>> {
    let signed_in = service::login(&state, &input.email, input.password, &ip).await?;
    let next = landing_path(&signed_in.view, None);
    Ok(Json(auth_response(signed_in, next)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct RefreshInput {
    #[serde(default)]
    refresh: String,
}

async fn refresh(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<RefreshInput>,
) -> AppResult<Json<TokensAnswer>> {
    let signed_in = service::refresh(&state, &input.refresh, &ip).await?;
    Ok(Json(TokensAnswer {
        tokens: signed_in.tokens,
    }))
}

async fn logout(State(state): State<AppState>, auth: Authenticated) -> AppResult<StatusCode> {
    service::logout(&state, &auth.identity).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(auth: Authenticated) -> Json<MeAnswer> {
    let SessionView { user, account, .. } = auth.view;
    Json(MeAnswer { user, account })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct TokenInput {
    #[serde(default)]
    token: String,
}

async fn verify_email(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<TokenInput>,
) -> AppResult<Json<StatusAnswer>> {
    service::verify_email(&state, &input.token).await?;
    Ok(Json(StatusAnswer::new("verified")))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct EmailInput {
    #[serde(default)]
    email: String,
}

async fn password_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<EmailInput>,
) -> AppResult<(StatusCode, Json<StatusAnswer>)> {
    service::request_password_reset(&state, &input.email, &ip).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(StatusAnswer::new("sent_if_account_exists")),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ResetConfirmInput {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

async fn password_reset_confirm(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<ResetConfirmInput>,
) -> AppResult<Json<StatusAnswer>> {
    service::confirm_password_reset(&state, &input.token, input.password).await?;
    Ok(Json(StatusAnswer::new("password_changed")))
}

/// Public and never throttled.
async fn plans(State(state): State<AppState>) -> AppResult<Json<PlanList>> {
    let items = app::plans::store::list_active(&state.db).await?;
    Ok(Json(PlanList { items }))
}
