//! `/api/v1/billing/payment-methods/…`: add, list, remove, set default.

use super::json::ApiJson;
use super::params::ApiPath;
use super::route;
use app::auth::identity::Authenticated;
use app::backend::AppState;
use app::common::AppResult;
use app::payments::model::{NewPaymentMethod, PaymentMethodList, PaymentMethodView};
use app::payments::service;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    let router = route(
        Router::new(),
        "/billing/payment-methods",
        get(list).post(add),
    );
    let router = route(router, "/billing/payment-methods/{id}", delete(remove));
    route(
        router,
        "/billing/payment-methods/{id}/set-default",
        post(set_default),
    )
}

async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> AppResult<Json<PaymentMethodList>> {
    let items = service::list(&state, &auth.view).await?;
    Ok(Json(PaymentMethodList { items }))
}

async fn add(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(input): ApiJson<NewPaymentMethod>,
) -> AppResult<(StatusCode, Json<PaymentMethodView>)> {
    let method = service::add(&state, &auth.view, input).await?;
    Ok((StatusCode::CREATED, Json(method)))
}

async fn remove(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> AppResult<StatusCode> {
    service::remove(&state, &auth.view, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_default(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Json<PaymentMethodView>> {
    Ok(Json(service::set_default(&state, &auth.view, &id).await?))
}
