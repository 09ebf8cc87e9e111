//! Server functions of the Sites page; the REST endpoints call the same service.

use super::model::SiteView;
use crate::common::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::model::NewSite, super::service, crate::auth::identity::require_session,
    crate::backend::app_state,
};

#[server(endpoint = "sites/list")]
pub async fn list_sites() -> Result<Vec<SiteView>, AppError> {
    let (view, _) = require_session().await?;
    service::list(&app_state()?, &view).await
}

#[server(endpoint = "sites/add")]
pub async fn add_site(name: String, url: String) -> Result<SiteView, AppError> {
    let (view, _) = require_session().await?;
    service::add(&app_state()?, &view, NewSite { name, url }).await
}

#[server(endpoint = "sites/remove")]
pub async fn remove_site(id: String) -> Result<(), AppError> {
    let (view, _) = require_session().await?;
    service::remove(&app_state()?, &view, &id).await
}
