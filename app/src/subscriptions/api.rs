//! Server functions of the plans page: the current subscription and its changes.

use super::model::{ChangePreview, SubscriptionOutcome, SubscriptionView};
use crate::common::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::model::{CancelRequest, ChangePlanRequest, SubscribeRequest},
    super::service,
    crate::auth::identity::require_session,
    crate::backend::app_state,
    crate::backend::idempotency::{fingerprint, once_for_form},
};

/// The account's live subscription, if any.
#[server(endpoint = "billing/subscription")]
pub async fn current_subscription() -> Result<Option<SubscriptionView>, AppError> {
    let (view, _) = require_session().await?;
    let all = service::list(&app_state()?, &view).await?;
    Ok(all.into_iter().find(SubscriptionView::is_live))
}

#[server(endpoint = "billing/subscribe")]
pub async fn subscribe(
    plan_id: String,
    interval: String,
    payment_method_id: Option<String>,
    request_key: Option<String>,
) -> Result<SubscriptionOutcome, AppError> {
    let (view, _) = require_session().await?;
    let state = &app_state()?;
    let view = &view;
    let request = SubscribeRequest {
        plan_id,
        interval,
        payment_method_id,
        trial: None,
    };
    let fingerprint = fingerprint("subscribe", &request);
    let outcome: SubscriptionOutcome = once_for_form(
        state,
        &view.account.id,
        request_key.as_deref(),
        &fingerprint,
        |effect| async move { service::subscribe(state, view, request, effect.as_ref()).await },
    )
    .await?;
    // A full page load follows, so the header, the sidebar and the guard see the new plan.
    leptos_axum::redirect(if outcome.subscription.status.renews() {
        "/?subscribed=1"
    } else {
        "/account/billing?pending=1"
    });
    Ok(outcome)
}

/// Whether the account has had its free trial (the plans page then offers none).
#[server(endpoint = "billing/trial-used")]
pub async fn trial_used() -> Result<bool, AppError> {
    let (view, _) = require_session().await?;
    let used: Option<i64> = sqlx::query_scalar("SELECT 1 FROM trials WHERE account_id = $1")
        .bind(&view.account.id)
        .fetch_optional(app_state()?.db.pool())
        .await?;
    Ok(used.is_some())
}

/// What changing to `plan_id` (at `interval`, none keeping the current one) would do now.
#[server(endpoint = "billing/preview-plan-change")]
pub async fn preview_plan_change(
    subscription_id: String,
    plan_id: String,
    interval: Option<String>,
) -> Result<ChangePreview, AppError> {
    let (view, _) = require_session().await?;
    let request = ChangePlanRequest { plan_id, interval };
    service::preview_change(&app_state()?, &view, &subscription_id, &request).await
}

#[server(endpoint = "billing/change-plan")]
pub async fn change_plan(
    subscription_id: String,
    plan_id: String,
    interval: Option<String>,
    request_key: Option<String>,
) -> Result<SubscriptionOutcome, AppError> {
    let (view, _) = require_session().await?;
    let state = &app_state()?;
    let view = &view;
    let request = ChangePlanRequest { plan_id, interval };
    let fingerprint = fingerprint("change-plan", &(&subscription_id, &request));
    let outcome: SubscriptionOutcome = once_for_form(
        state,
        &view.account.id,
        request_key.as_deref(),
        &fingerprint,
        |effect| async move {
            service::change_plan(state, view, &subscription_id, request, effect.as_ref()).await
        },
    )
    .await?;
    let what = match (&outcome.invoice, &outcome.subscription.scheduled_plan) {
        (Some(_), _) => "upgraded",
        (None, Some(_)) => "downgrade_scheduled",
        (None, None) => "kept",
    };
    leptos_axum::redirect(&format!("/account/plans?changed={what}"));
    Ok(outcome)
}

#[server(endpoint = "billing/cancel")]
pub async fn cancel_subscription(subscription_id: String) -> Result<SubscriptionOutcome, AppError> {
    let (view, _) = require_session().await?;
    let request = CancelRequest::default();
    let outcome = service::cancel(&app_state()?, &view, &subscription_id, request).await?;
    leptos_axum::redirect("/account/plans?changed=canceled");
    Ok(outcome)
}

#[server(endpoint = "billing/resume")]
pub async fn resume_subscription(subscription_id: String) -> Result<SubscriptionOutcome, AppError> {
    let (view, _) = require_session().await?;
    let outcome = service::resume(&app_state()?, &view, &subscription_id).await?;
    leptos_axum::redirect("/account/plans?changed=resumed");
    Ok(outcome)
}
