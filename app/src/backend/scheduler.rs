//! Background jobs inside every server instance: renewals and dunning, trials, monthly credits,
//! low-balance alerts and top-ups, and reconciliation of charges a crash left unsettled. Safe with several instances: each job claims its work with
//! conditional updates (see `subscriptions::renewal`).

use super::ids::new_id;
use super::AppState;
use std::time::Duration;

/// A charge not settled after this long is taken to be orphaned by a crash.
const STALE_CHARGE_SECONDS: i64 = 120;

/// One pass of every job; what the loop runs and what tests call after moving the clock.
pub async fn tick(state: &AppState, instance: &str) {
    billing_jobs(state, instance).await;
    recovery_jobs(state).await;
}

/// The jobs that run by each account's time (a test clock moves it, `accounts::test_clock`):
/// renewals and dunning, trials, monthly credits of yearly plans, low-balance alerts.
pub async fn billing_jobs(state: &AppState, instance: &str) {
    match crate::subscriptions::renewal::run_due(state, instance).await {
        Ok(report) if report != Default::default() => tracing::info!(?report, "renewals"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e.message, "renewal job failed"),
    }
    match crate::subscriptions::trials::run_due(state).await {
        Ok(report) if report != Default::default() => tracing::info!(?report, "trials"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e.message, "trial job failed"),
    }
    match crate::subscriptions::monthly_credits::grant_due(state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(months = n, "monthly plan credits of yearly plans"),
        Err(e) => tracing::error!(error = %e.message, "monthly plan credits failed"),
    }
    // After grants and renewals, which move balances without a request of this instance.
    match crate::credits::alerts::sweep(state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(accounts = n, "low-balance alerts checked"),
        Err(e) => tracing::error!(error = %e.message, "low-balance alerts failed"),
    }
}

/// The jobs that clean up after real time passed (holds, tasks, charges a crash left behind).
async fn recovery_jobs(state: &AppState) {
    match crate::credits::metering::expire_holds(state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(released = n, "expired credit holds"),
        Err(e) => tracing::error!(error = %e.message, "hold expiry failed"),
    }
    let hold_lifetime_ago = state.clock.now() - crate::credits::metering::HOLD_SECONDS;
    match crate::modules::tasks::fail_orphaned(state, hold_lifetime_ago).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(failed = n, "tasks cut off without a hold"),
        Err(e) => tracing::error!(error = %e.message, "task cleanup failed"),
    }
    match crate::automation::service::fail_interrupted(state, state.clock.now()).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(failed = n, "interrupted automation jobs"),
        Err(e) => tracing::error!(error = %e.message, "automation cleanup failed"),
    }
    // Jobs queued on an instance that stopped before running them.
    if let Err(e) = crate::automation::service::run_queued(state, None).await {
        tracing::error!(error = %e.message, "automation jobs failed");
    }
    let stale_before = state.clock.now() - STALE_CHARGE_SECONDS;
    if let Err(e) = crate::payments::checkout::reconcile_stale(state, stale_before).await {
        tracing::error!(error = %e.message, "charge reconciliation failed");
    }
    match crate::payments::checkout::void_uncharged(state, stale_before).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(voided = n, "first invoices left uncharged by a crash"),
        Err(e) => tracing::error!(error = %e.message, "uncharged invoice cleanup failed"),
    }
}

/// Runs `tick` every `every` until the process ends. The first pass comes one interval after
/// start-up, not at once: after a restart there is catching up to do (renewals due while the
/// server was down, charges and holds it left behind), and the first moments belong to the
/// requests of the people coming back.
pub fn spawn(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    let instance = new_id("instance");
    tokio::spawn(async move {
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            tick(&state, &instance).await;
        }
    })
}

/// Runs the delivery workers — webhooks (`crate::webhooks::delivery`) and email (`super::mail`) —
/// every `every` until the process ends. Apart from the scheduler's `tick`, whose jobs can take
/// long: a delivery should not wait for a renewal run.
pub fn spawn_deliveries(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(e) = crate::webhooks::delivery::run_due(&state).await {
                tracing::error!(error = %e, "webhook deliveries failed");
            }
            if let Err(e) = super::mail::deliver_due(&state).await {
                tracing::error!(error = %e, "email deliveries failed");
            }
        }
    })
}
