//! The browser entry: hydrates the server-rendered page with the same `App` the server rendered.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Server functions redirect after something that changes the session (signup, login, logout,
    // password reset). A full page load lets the server render the next page with the new
    // cookies, exactly as it does without JavaScript, instead of navigating with a stale session.
    // The first hook set wins, so this must run before the router installs its own.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
        let _ = leptos::prelude::window().location().set_href(location);
    });
    // The admin routes are lazy (split into their own WASM chunks): hydration has to be able to
    // wait for a chunk when the first page is one of them.
    leptos::mount::hydrate_lazy(app::App);
}
