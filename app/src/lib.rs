//! IGNY8's user and billing flow: one crate for the UI (rendered on the server, hydrated in the
//! browser) and, behind the `ssr` feature, the backend it talks to through server functions.
#![recursion_limit = "256"]

pub mod accounts;
pub mod admin;
pub mod api_keys;
pub mod auth;
pub mod automation;
pub mod billing_profile;
pub mod common;
pub mod credits;
pub mod invoices;
pub mod limits;
pub mod mail;
pub mod modules;
pub mod pages;
pub mod payments;
pub mod plans;
pub mod routes;
pub mod sites;
pub mod subscriptions;
pub mod team;
pub mod ui;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub mod backend;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags};

pub use routes::App;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // Names the content-hashed CSS file of a hash-files build (see Cargo.toml).
                <HashedStylesheet options=options.clone() id="leptos"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}
