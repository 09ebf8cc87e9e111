//! `/api/v1/account/members/` (limit `seats`): the team, invitations, and accepting one.

use super::auth::auth_response;
use super::json::ApiJson;
use super::params::ApiPath;
use super::{route, Items};
use app::auth::identity::Authenticated;
use app::backend::AppState;
use app::common::AppResult;
use app::team::model::{Acceptance, NewInvitation, TeamEntry};
use app::team::service;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/account/members", get(list).post(invite));
    let router = route(router, "/account/members/{id}", delete(remove));
    route(router, "/account/invitations/accept", post(accept))
}

async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> AppResult<Json<Items<TeamEntry>>> {
    Ok(Json(Items {
        items: service::list(&state, &auth.view).await?,
    }))
}

async fn invite(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(new): ApiJson<NewInvitation>,
) -> AppResult<(StatusCode, Json<TeamEntry>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::invite(&state, &auth.view, &new.email).await?),
    ))
}

/// A member's id removes them; an invitation's id revokes it.
async fn remove(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> AppResult<StatusCode> {
    service::remove(&state, &auth.view, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{token, full_name?, password?}`. A new user is created and signed in (201 with tokens, as
/// register answers); a signed-in user with the invited email joins (200 with `/auth/me`'s shape).
async fn accept(
    State(state): State<AppState>,
    auth: Option<Authenticated>,
    ApiJson(acceptance): ApiJson<Acceptance>,
) -> AppResult<Response> {
    let viewer = auth.as_ref().map(|a| &a.view);
    let user_id = service::accept(&state, acceptance, viewer).await?;
    let signed_in = match auth {
        None => app::auth::service::sign_in(&state, &user_id).await?,
        Some(auth) => {
            let view = app::auth::service::session_view(&state, &auth.identity)
                .await?
                .ok_or_else(app::common::AppError::unauthenticated)?;
            let body = super::schemas::MeAnswer {
                user: view.user,
                account: view.account,
            };
            return Ok(Json(body).into_response());
        }
    };
    Ok((
        StatusCode::CREATED,
        Json(auth_response(signed_in, "/".into())),
    )
        .into_response())
}
