//! `GET|PUT /api/v1/admin/credit-costs/`, `GET|POST /api/v1/admin/credit-packages/`,
//! `PUT|DELETE /api/v1/admin/credit-packages/{id}/` (DELETE deactivates: invoices keep pointing
//! at the package).

use super::json::ApiJson;
use super::params::ApiPath;
use super::{route, Items};
use app::admin::catalog;
use app::admin::model::{AdminPackage, CostChange, PackageInput};
use app::auth::identity::AdminUser;
use app::backend::AppState;
use app::common::AppResult;
use app::credits::model::CreditCost;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    let router = route(
        Router::new(),
        "/admin/credit-costs",
        get(costs).put(update_costs),
    );
    let router = route(
        router,
        "/admin/credit-packages",
        get(packages).post(create_package),
    );
    route(
        router,
        "/admin/credit-packages/{id}",
        axum::routing::put(update_package).delete(deactivate_package),
    )
}

async fn costs(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> AppResult<Json<Items<CreditCost>>> {
    Ok(Json(Items {
        items: app::credits::metering::costs(&state.db).await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct CostChanges {
    #[serde(default)]
    items: Vec<CostChange>,
}

async fn update_costs(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiJson(changes): ApiJson<CostChanges>,
) -> AppResult<Json<Items<CreditCost>>> {
    catalog::update_costs(&state, &admin.view, &changes.items).await?;
    costs(State(state), AdminUser(admin)).await
}

async fn packages(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> AppResult<Json<Items<AdminPackage>>> {
    Ok(Json(Items {
        items: catalog::packages(&state).await?,
    }))
}

async fn create_package(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiJson(input): ApiJson<PackageInput>,
) -> AppResult<(StatusCode, Json<AdminPackage>)> {
    Ok((
        StatusCode::CREATED,
        Json(catalog::create_package(&state, &admin.view, input).await?),
    ))
}

async fn update_package(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<PackageInput>,
) -> AppResult<Json<AdminPackage>> {
    Ok(Json(
        catalog::update_package(&state, &admin.view, &id, input).await?,
    ))
}

async fn deactivate_package(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Json<AdminPackage>> {
    Ok(Json(
        catalog::set_package_active(&state, &admin.view, &id, false).await?,
    ))
}
