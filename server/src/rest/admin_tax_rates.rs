//! `GET /api/v1/admin/tax-rates/`, `PUT|DELETE /api/v1/admin/tax-rates/{country}/`: the tax rate
//! of each buyer country (app/src/admin/tax_rates.rs), audited.

use super::json::ApiJson;
use super::params::ApiPath;
use super::{route, Items};
use app::admin::model::{TaxRateInput, TaxRateView};
use app::admin::tax_rates;
use app::auth::identity::AdminUser;
use app::backend::AppState;
use app::common::AppResult;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/admin/tax-rates", get(list));
    route(
        router,
        "/admin/tax-rates/{country}",
        put(set).delete(remove),
    )
}

async fn list(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
) -> AppResult<Json<Items<TaxRateView>>> {
    Ok(Json(Items {
        items: tax_rates::list(&state.db).await?,
    }))
}

async fn set(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(country): ApiPath<String>,
    ApiJson(input): ApiJson<TaxRateInput>,
) -> AppResult<Json<TaxRateView>> {
    Ok(Json(
        tax_rates::set(&state, &admin.view, &country, &input).await?,
    ))
}

async fn remove(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(country): ApiPath<String>,
) -> AppResult<StatusCode> {
    tax_rates::remove(&state, &admin.view, &country).await?;
    Ok(StatusCode::NO_CONTENT)
}
