//! The balance in the header. The same component renders on the server (a skeleton: the figure
//! is never baked into cached HTML) and in the browser, where it loads the balance, listens to
//! the live stream, and shows "Balance unavailable" with Retry on any failure — never a stale
//! figure, never a made-up 0. Pages that change credits call [`BalanceHandle::refresh`].

use super::model::BalanceView;
use leptos::prelude::*;

/// Where the widget's figure stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BalanceState {
    Loading,
    Ready(BalanceView),
    Unavailable,
}

/// Shared with every page through context: the state, and a way to load it again.
#[derive(Clone, Copy)]
pub struct BalanceHandle {
    pub state: RwSignal<BalanceState>,
    version: RwSignal<u64>,
}

impl BalanceHandle {
    /// Loads the balance again (after a task, a purchase, or a Retry click).
    pub fn refresh(&self) {
        self.state.set(BalanceState::Loading);
        self.version.update(|v| *v += 1);
    }

    /// The available credits, when known.
    pub fn available(&self) -> Option<i64> {
        match self.state.get() {
            BalanceState::Ready(view) => Some(view.available),
            _ => None,
        }
    }
}

/// Creates the handle (once, in the signed-in layout) and starts loading in the browser.
pub fn provide_balance() -> BalanceHandle {
    let handle = BalanceHandle {
        state: RwSignal::new(BalanceState::Loading),
        version: RwSignal::new(0),
    };
    provide_context(handle);
    // Effects run only in the browser: the server renders the skeleton.
    Effect::new(move |_| {
        handle.version.track();
        leptos::task::spawn_local(async move {
            let next = match super::api::get_balance().await {
                Ok(view) => BalanceState::Ready(view),
                Err(_) => BalanceState::Unavailable,
            };
            handle.state.set(next);
        });
    });
    #[cfg(feature = "hydrate")]
    live::listen(handle);
    handle
}

pub fn use_balance() -> Option<BalanceHandle> {
    use_context::<BalanceHandle>()
}

/// Reads the header's balance again each time `version` changes after the first render (an
/// action that may have moved credits completed: a task run, a purchase, a payment).
pub fn refresh_balance_after(version: impl Fn() -> usize + Send + Sync + 'static) {
    let balance = use_balance();
    Effect::new(move |previous: Option<usize>| {
        let current = version();
        if previous.is_some_and(|p| p != current) {
            if let Some(balance) = balance {
                balance.refresh();
            }
        }
        current
    });
}

#[component]
pub fn BalanceWidget() -> impl IntoView {
    let Some(handle) = use_balance() else {
        return ().into_any();
    };
    view! {
        <div class="balance-widget" data-testid="balance-widget" aria-live="polite">
            {move || match handle.state.get() {
                BalanceState::Loading => view! {
                    <span class="skeleton skeleton-inline" data-testid="balance-loading" aria-label="Loading balance"></span>
                }.into_any(),
                BalanceState::Ready(view) => view! {
                    <a href="/account/usage" class="balance-figure" title=format!("{} held for running tasks", view.held)>
                        <strong data-testid="balance-available">{view.available}</strong>
                        " credits"
                    </a>
                }.into_any(),
                BalanceState::Unavailable => view! {
                    <span class="balance-unavailable" data-testid="balance-unavailable">"Balance unavailable"</span>
                    <button type="button" class="button button-small button-secondary" on:click=move |_| handle.refresh()>
                        "Retry"
                    </button>
                }.into_any(),
            }}
        </div>
    }
    .into_any()
}

/// The live stream (`text/event-stream`): every change of this account's credits, from any tab,
/// admin or server instance, replaces the figure. A dropped connection reloads the balance, so
/// a figure that can no longer be kept current is not left standing.
#[cfg(feature = "hydrate")]
mod live {
    use super::{BalanceHandle, BalanceState};
    use crate::credits::model::BalanceView;
    use leptos::prelude::{GetUntracked, Set};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    const STREAM: &str = "/api/v1/billing/transactions/balance/stream/";

    pub fn listen(handle: BalanceHandle) {
        let Ok(source) = EventSource::new(STREAM) else {
            return;
        };
        let on_balance = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let parsed = event
                .data()
                .as_string()
                .and_then(|text| serde_json::from_str::<BalanceView>(&text).ok());
            handle.state.set(match parsed {
                Some(view) => BalanceState::Ready(view),
                None => BalanceState::Unavailable,
            });
        });
        let on_unavailable = Closure::<dyn FnMut(MessageEvent)>::new(move |_| {
            handle.state.set(BalanceState::Unavailable);
        });
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            // The browser reconnects by itself; meanwhile check the figure is still true.
            if matches!(handle.state.get_untracked(), BalanceState::Ready(_)) {
                handle.refresh();
            }
        });
        let _ =
            source.add_event_listener_with_callback("balance", on_balance.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback(
            "unavailable",
            on_unavailable.as_ref().unchecked_ref(),
        );
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // The stream lives as long as the page.
        on_balance.forget();
        on_unavailable.forget();
        on_error.forget();
        std::mem::forget(source);
    }
}
