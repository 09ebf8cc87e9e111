//! Server functions of the team page and the invitation page; the REST endpoints call the same
//! service.

use super::model::{InvitationPreview, TeamEntry};
use crate::common::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::model::Acceptance,
    super::service,
    crate::auth::cookies::{session_cookies, set_response_cookies},
    crate::auth::identity::{current_session, require_session},
    crate::backend::app_state,
};

#[server(endpoint = "team/list")]
pub async fn list_team() -> Result<Vec<TeamEntry>, AppError> {
    let (view, _) = require_session().await?;
    service::list(&app_state()?, &view).await
}

#[server(endpoint = "team/invite")]
pub async fn invite_member(email: String) -> Result<TeamEntry, AppError> {
    let (view, _) = require_session().await?;
    let entry = service::invite(&app_state()?, &view, &email).await?;
    crate::backend::no_js::show_outcome_at(&format!(
        "/account/team?invited={}",
        crate::auth::guard::encode_query_value(&entry.email)
    ));
    Ok(entry)
}

/// Removes a member or revokes an invitation.
#[server(endpoint = "team/remove")]
pub async fn remove_member(id: String) -> Result<(), AppError> {
    let (view, _) = require_session().await?;
    service::remove(&app_state()?, &view, &id).await
}

#[server(endpoint = "team/invitation")]
pub async fn get_invitation(token: String) -> Result<InvitationPreview, AppError> {
    let viewer = current_session().await?.map(|(view, _)| view);
    service::preview(&app_state()?, &token, viewer.as_ref()).await
}

/// Accepts an invitation; a new member is signed in. Both land on the dashboard.
#[server(endpoint = "team/accept")]
pub async fn accept_invitation(
    token: String,
    full_name: Option<String>,
    password: Option<String>,
) -> Result<(), AppError> {
    let state = app_state()?;
    let viewer = current_session().await?.map(|(view, _)| view);
    let acceptance = Acceptance {
        token,
        full_name,
        password,
    };
    let user_id = service::accept(&state, acceptance, viewer.as_ref()).await?;
    if viewer.is_none() {
        let signed_in = crate::auth::service::sign_in(&state, &user_id).await?;
        set_response_cookies(session_cookies(
            &state,
            &signed_in.tokens.access,
            &signed_in.tokens.refresh,
        ));
    }
    leptos_axum::redirect("/");
    Ok(())
}
