//! Form helpers shared by every page: the error of the last submission and a submit button that
//! shows that it is working.

use crate::common::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The error of the last run of a server action, if it failed.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + Clone + 'static,
{
    Signal::derive(move || action.value().get().and_then(std::result::Result::err))
}

/// True once the last run of the action succeeded: in the hydrated page, or posted before the
/// WASM loaded (the server then marks the address it sends the page back to with
/// `__done=<the function's path>`, server/src/server_fns.rs).
pub fn action_succeeded<S>(action: ServerAction<S>) -> Signal<bool>
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + Clone + 'static,
{
    let query = leptos_router::hooks::use_query_map();
    let posted = Memo::new(move |_| query.get().get("__done").as_deref() == Some(S::PATH));
    Signal::derive(move || match action.value().get() {
        Some(result) => result.is_ok(),
        None => posted.get(),
    })
}

/// The error of a row action posted before the WASM loaded (it comes back in the address);
/// the hydrated page reports its own errors as toasts, so this shows only the first.
pub fn posted_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + Clone + 'static,
{
    let error = action_error(action);
    Signal::derive(move || error.get().filter(|_| action.version().get() == 0))
}

#[component]
pub fn SubmitButton(
    #[prop(into)] pending: Signal<bool>,
    label: &'static str,
    busy_label: &'static str,
    #[prop(optional)] class: Option<&'static str>,
) -> impl IntoView {
    view! {
        <button
            class=class.unwrap_or("button")
            type="submit"
            disabled=move || pending.get()
            aria-busy=move || pending.get().to_string()
        >
            {move || if pending.get() { busy_label } else { label }}
        </button>
    }
}

/// The idempotency key of a form that moves money or credits: one per rendered form and per
/// completed submission of `action`, so a double click (or a resent no-JS post) acts once and
/// the next deliberate submission acts again. Server side: `backend::idempotency`.
pub fn request_key<S>(action: ServerAction<S>) -> Memo<String>
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + Clone + 'static,
{
    Memo::new(move |_| format!("{}-{}", action.version().get(), random_token()))
}

/// The hidden field carrying [`request_key`].
#[component]
pub fn RequestKeyInput(key: Memo<String>) -> impl IntoView {
    view! { <input type="hidden" name="request_key" value=move || key.get()/> }
}

/// A random token for one rendered form (idempotency of a submission).
pub fn random_token() -> String {
    #[cfg(feature = "ssr")]
    {
        uuid::Uuid::new_v4().simple().to_string()
    }
    #[cfg(not(feature = "ssr"))]
    {
        #[cfg(feature = "hydrate")]
        let (a, b) = (js_sys::Math::random(), js_sys::Math::random());
        #[cfg(not(feature = "hydrate"))]
        let (a, b) = (0.0, 0.0);
        format!("{:016x}{:016x}", (a * 1e16) as u64, (b * 1e16) as u64)
    }
}
