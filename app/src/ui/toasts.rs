//! Toasts: errors of actions that have no form of their own (remove a row, make a method the
//! default) appear in one corner region, worded by the same presenter as inline errors
//! ([`super::errors`]), with the next step as a link. Each fades after a while or on Dismiss.

use super::errors::{headline, message, next_steps};
use crate::common::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use std::time::Duration;

/// How long a toast stays unless dismissed.
const TOAST_LIFETIME: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq)]
struct Toast {
    id: u64,
    error: AppError,
}

/// The app's toast list, provided by the frame.
#[derive(Debug, Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

impl Toasts {
    pub fn error(&self, error: AppError) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.items.update(|items| items.push(Toast { id, error }));
        let this = *self;
        set_timeout(move || this.dismiss(id), TOAST_LIFETIME);
    }

    pub fn dismiss(&self, id: u64) {
        self.items.update(|items| items.retain(|t| t.id != id));
    }
}

pub fn provide_toasts() -> Toasts {
    let toasts = Toasts {
        items: RwSignal::new(Vec::new()),
        next_id: StoredValue::new(0),
    };
    provide_context(toasts);
    toasts
}

/// Shows every failure of `action` as a toast.
pub fn toast_errors<S>(action: ServerAction<S>)
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + Clone + 'static,
{
    let Some(toasts) = use_context::<Toasts>() else {
        return;
    };
    Effect::new(move |seen: Option<usize>| {
        let version = action.version().get();
        if seen.is_some_and(|s| s != version) {
            if let Some(Err(error)) = action.value().get_untracked() {
                toasts.error(error);
            }
        }
        version
    });
}

#[component]
pub fn ToastRegion(toasts: Toasts) -> impl IntoView {
    view! {
        <div class="toasts" aria-live="assertive" data-testid="toasts">
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                <div class="toast" role="alert" data-error-code=toast.error.code()>
                    <strong>{headline(&toast.error)}</strong>
                    <p>{message(&toast.error)}</p>
                    <p>
                        {next_steps(&toast.error).into_iter().map(|(label, href)| view! { <a href=href>{label}</a> " " }).collect_view()}
                        <button class="button button-secondary button-small" type="button" on:click=move |_| toasts.dismiss(toast.id)>"Dismiss"</button>
                    </p>
                </div>
            </For>
        </div>
    }
}
