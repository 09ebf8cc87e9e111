//! Credits: the balance (and its live stream), the ledger, usage reports, the preflight
//! estimate, credit costs, credit packages and the low-balance alert.

use super::idempotency;
use super::json::{ApiJson, JsonOrDefault};
use super::paging::Paging;
use super::params::{ApiPath, ApiQuery};
use super::{route, Items};
use app::auth::identity::{ActiveTenant, Authenticated, ClaimedIdentity};
use app::backend::AppState;
use app::common::{AppError, AppResult};
use app::credits::live::Change;
use app::credits::model::{
    BalanceAlertRequest, BalanceAlertView, BalanceView, CreditCost, CreditPackageView, Estimate,
    LedgerEntryView, PurchaseRequest, UsageFilter, UsageLogView, UsageSummary,
};
use app::credits::{alerts, balance, metering, packages, usage};
use app::invoices::model::Page;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast;

pub fn routes() -> Router<AppState> {
    let router = route(Router::new(), "/billing/transactions", get(entries));
    let router = route(router, "/billing/transactions/balance", get(balance));
    let router = route(
        router,
        "/billing/transactions/balance/stream",
        get(balance_stream),
    );
    let router = route(router, "/billing/credits/usage", get(usage_logs));
    let router = route(router, "/billing/credits/usage/summary", get(usage_summary));
    let router = route(router, "/billing/credits/estimate", get(estimate));
    let router = route(router, "/billing/credits/costs", get(costs));
    let router = route(router, "/billing/credit-packages", get(list_packages));
    let router = route(
        router,
        "/billing/balance-alert",
        get(balance_alert).put(save_balance_alert),
    );
    route(
        router,
        "/billing/credit-packages/{id}/purchase",
        post(purchase),
    )
}

async fn balance_alert(
    State(state): State<AppState>,
    auth: Authenticated,
) -> AppResult<Json<BalanceAlertView>> {
    Ok(Json(alerts::settings(&state, &auth.view).await?))
}

/// Sets the low-balance alert and automatic top-up; `{"threshold": null}` turns them off.
async fn save_balance_alert(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(request): ApiJson<BalanceAlertRequest>,
) -> AppResult<Json<BalanceAlertView>> {
    Ok(Json(alerts::save(&state, &auth.view, &request).await?))
}

/// One read: the balance joined with the session's liveness (a revoked session answers 401).
async fn balance(
    State(state): State<AppState>,
    ClaimedIdentity(identity): ClaimedIdentity,
) -> AppResult<Json<BalanceView>> {
    balance::of_session(&state, &identity)
        .await?
        .map(Json)
        .ok_or_else(AppError::unauthenticated)
}

/// A failed read is tried again after this long (the widget shows "Balance unavailable" meanwhile).
const RETRY_AFTER_FAILED_READ: Duration = Duration::from_secs(2);
/// Streams end after this long; the browser reconnects (and is authenticated again).
const STREAM_LIFETIME: Duration = Duration::from_secs(10 * 60);

struct Watch {
    state: AppState,
    account_id: String,
    events: broadcast::Receiver<Change>,
    /// What the stream sent last; `None` before the first read and after a failed one.
    last: Option<BalanceView>,
    failed: bool,
    until: tokio::time::Instant,
}

impl Watch {
    /// Waits for a change of this account's credits (`app::credits::live`: pushed by this
    /// instance, or relayed from the others), then reads the balance; `None` when the stream's
    /// lifetime is over. A stream at rest reads nothing; after a failed read it tries again
    /// every few seconds until a read succeeds.
    async fn next_balance(&mut self) -> Option<AppResult<BalanceView>> {
        loop {
            let woken = async {
                if self.failed {
                    tokio::time::sleep(RETRY_AFTER_FAILED_READ).await;
                    return Some(true);
                }
                if self.last.is_none() {
                    return Some(true);
                }
                match self.events.recv().await {
                    Ok(change) => Some(change.concerns(&self.account_id)),
                    // Missed some changes: one of them may have been ours.
                    Err(broadcast::error::RecvError::Lagged(_)) => Some(true),
                    // The instance is shutting down.
                    Err(broadcast::error::RecvError::Closed) => None,
                }
            };
            // Whether to read now; `None` ends the stream.
            let read_now = tokio::select! {
                _ = tokio::time::sleep_until(self.until) => None,
                woken = woken => woken,
            };
            match read_now {
                None => return None,
                Some(false) => continue,
                Some(true) => {}
            }
            let read = balance::of_account(&self.state, &self.account_id)
                .await
                .map_err(AppError::from);
            self.failed = read.is_err();
            match read {
                Ok(view) if self.last.as_ref() == Some(&view) => continue,
                Ok(view) => {
                    self.last = Some(view.clone());
                    return Some(Ok(view));
                }
                Err(e) => {
                    // Reported at once; the next good read is sent again.
                    self.last = None;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// `text/event-stream` of the balance: one `balance` event now and one on every change; a
/// failed read sends an `unavailable` event (the widget then shows "Balance unavailable").
async fn balance_stream(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let watch = Watch {
        events: state.credit_events.subscribe(),
        state,
        account_id: auth.view.account.id,
        last: None,
        failed: false,
        until: tokio::time::Instant::now() + STREAM_LIFETIME,
    };
    let events = stream::unfold(watch, |mut watch| async move {
        let event = match watch.next_balance().await? {
            Ok(view) => Event::default()
                .event("balance")
                .json_data(&view)
                .unwrap_or_default(),
            Err(_) => Event::default().event("unavailable").data("{}"),
        };
        Some((Ok(event), watch))
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

async fn entries(
    State(state): State<AppState>,
    auth: Authenticated,
    paging: Paging,
    ApiQuery(filter): ApiQuery<UsageFilter>,
) -> AppResult<Json<Page<LedgerEntryView>>> {
    Ok(Json(
        usage::ledger(&state.db, &auth.view.account.id, &filter, *paging).await?,
    ))
}

async fn usage_logs(
    State(state): State<AppState>,
    auth: Authenticated,
    paging: Paging,
    ApiQuery(filter): ApiQuery<UsageFilter>,
) -> AppResult<Json<Page<UsageLogView>>> {
    Ok(Json(
        usage::logs(&state.db, &auth.view.account.id, &filter, *paging).await?,
    ))
}

async fn usage_summary(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(filter): ApiQuery<UsageFilter>,
) -> AppResult<Json<UsageSummary>> {
    Ok(Json(
        usage::summary(&state.db, &auth.view.account.id, &filter, state.clock.now()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct EstimateQuery {
    operation: String,
    quantity: String,
}

async fn estimate(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<EstimateQuery>,
) -> AppResult<Json<Estimate>> {
    let quantity = query
        .quantity
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::invalid("quantity", "Enter a whole number."))?;
    Ok(Json(
        metering::estimate(&state, &auth.view.account.id, &query.operation, quantity).await?,
    ))
}

async fn costs(State(state): State<AppState>) -> AppResult<Json<Items<CreditCost>>> {
    Ok(Json(Items {
        items: metering::costs(&state.db).await?,
    }))
}

async fn list_packages(
    State(state): State<AppState>,
    _auth: Authenticated,
) -> AppResult<Json<Items<CreditPackageView>>> {
    Ok(Json(Items {
        items: packages::list_active(&state.db).await?,
    }))
}

async fn purchase(
    State(state): State<AppState>,
    ActiveTenant(auth): ActiveTenant,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    JsonOrDefault(request): JsonOrDefault<PurchaseRequest>,
) -> Response {
    let (state, view) = (&state, &auth.view);
    let asked = ("package", (id, request));
    idempotency::run(
        state,
        view,
        &headers,
        asked,
        StatusCode::CREATED,
        |(id, request), effect| async move {
            packages::purchase(state, view, &id, request, effect.as_ref()).await
        },
    )
    .await
}
