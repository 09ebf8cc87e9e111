//! The test clock card of an account's admin page (outside production; the rules are in
//! `app/src/accounts/test_clock.rs`): attach the account to a clock, then move its time forward.

use super::api::{AdminAdvanceTestClock, AdminAttachTestClock};
use crate::accounts::model::{TestClockPanel, TestClockView};
use crate::ui::errors::{FieldError, FormError};
use crate::ui::format::date_time;
use crate::ui::forms::{action_error, SubmitButton};
use leptos::prelude::*;

/// `panel` is read by the page with its other reads; `attach` and `advance` are the page's, so
/// its balance and ledger follow the clock too.
#[component]
pub fn TestClockCard(
    panel: TestClockPanel,
    account_id: String,
    attach: ServerAction<AdminAttachTestClock>,
    advance: ServerAction<AdminAdvanceTestClock>,
) -> impl IntoView {
    match panel {
        TestClockPanel::Unavailable => ().into_any(),
        TestClockPanel::Detached => view! {
            <section class="card" id="test-clock" data-testid="test-clock-card">
                <h2>"Test clock"</h2>
                <p class="muted">"Rehearse this account's billing: attach it to a test clock, then move its time forward. Renewals, retries, trials and monthly credits then happen as they would at that time, for this account only. The clock stays with the account and only moves forward."</p>
                <FormError error=action_error(attach)/>
                <ActionForm action=attach attr:class="inline-form">
                    <input type="hidden" name="account_id" value=account_id/>
                    <SubmitButton pending=attach.pending() label="Attach a test clock" busy_label="Attaching…"/>
                </ActionForm>
            </section>
        }
        .into_any(),
        TestClockPanel::Attached(clock) => view! {
            <AttachedClock clock account_id advance error=action_error(advance)/>
        }
        .into_any(),
    }
}

#[component]
fn AttachedClock(
    clock: TestClockView,
    account_id: String,
    advance: ServerAction<AdminAdvanceTestClock>,
    error: Signal<Option<crate::common::AppError>>,
) -> impl IntoView {
    let days_ahead = clock.ahead_seconds / 86_400;
    let next = clock.next_event.as_deref().map_or_else(
        || "Nothing is scheduled: the account has no live subscription.".to_string(),
        |at| format!("Next billing event: {}.", date_time(at)),
    );
    view! {
        <section class="card" id="test-clock" data-testid="test-clock-card">
            <h2>"Test clock"</h2>
            <p>"This account's time: " <strong data-testid="test-clock-now">{date_time(&clock.now)}</strong>
                {format!(" ({days_ahead} days ahead of the real time).")}</p>
            <p class="muted" data-testid="test-clock-next">{next}</p>
            <FormError error/>
            <ActionForm action=advance attr:class="form" attr:data-testid="advance-clock">
                <input type="hidden" name="account_id" value=account_id/>
                <label>"Advance "
                    <select name="by">
                        <option value="day">"one day"</option>
                        <option value="month">"one month"</option>
                        <option value="next_renewal">"to the next renewal"</option>
                    </select>
                    <FieldError error field="by"/>
                </label>
                <SubmitButton pending=advance.pending() label="Advance the clock" busy_label="Advancing… (running what falls due)"/>
            </ActionForm>
        </section>
    }
}
