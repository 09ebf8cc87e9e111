//! The router: which page answers which path, inside which layout. Signed-in pages render after
//! the session is known (`SsrMode::Async`), so the route guard can answer a real redirect.

use crate::admin::lazy;
use crate::auth::guard::provide_session;
use crate::pages;
use crate::ui::layout::AppLayout;
use crate::ui::not_found::NotFound;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_session();
    view! {
        <Title formatter=|page: String| if page.is_empty() { "IGNY8".to_string() } else { format!("{page} · IGNY8") }/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view={Lazy::<pages::Login>::new()}/>
                <Route path=path!("/signup") view={Lazy::<pages::Signup>::new()}/>
                <Route path=path!("/forgot-password") view={Lazy::<pages::ForgotPassword>::new()}/>
                <Route path=path!("/reset-password") view={Lazy::<pages::ResetPassword>::new()}/>
                <Route path=path!("/verify-email") view={Lazy::<pages::VerifyEmail>::new()}/>
                <Route path=path!("/dev/outbox") view={Lazy::<pages::DevOutbox>::new()}/>
                <Route path=path!("/invite/:token") view={Lazy::<pages::Invitation>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/sandbox/paypal/:id") view={Lazy::<pages::PaypalApproval>::new()} ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=AppLayout ssr=SsrMode::Async>
                    <Route path=path!("") view={Lazy::<pages::Home>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("sites") view={Lazy::<pages::Sites>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("planner") view={Lazy::<pages::Planner>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("writer") view={Lazy::<pages::Writer>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("automation") view={Lazy::<pages::Automation>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("account/usage") view={Lazy::<pages::Usage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("account/team") view={Lazy::<pages::Team>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("account/plans") view={Lazy::<pages::PlanChoice>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("account/billing") view={Lazy::<pages::Billing>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("account/invoices/:id") view={Lazy::<pages::Invoice>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("account/profile") view={Lazy::<pages::Profile>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("account/api-keys") view={Lazy::<pages::ApiKeys>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("account/webhooks") view={Lazy::<pages::Webhooks>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin") view={Lazy::<lazy::Overview>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/accounts") view={Lazy::<lazy::Accounts>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/users/:id") view={Lazy::<lazy::User>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/subscriptions") view={Lazy::<lazy::Subscriptions>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/payments") view={Lazy::<lazy::Payments>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/invoices") view={Lazy::<lazy::Invoices>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/plans") view={Lazy::<lazy::Plans>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/credit-packages") view={Lazy::<lazy::Packages>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/credit-costs") view={Lazy::<lazy::Costs>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/tax-rates") view={Lazy::<lazy::TaxRates>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/audit") view={Lazy::<lazy::Audit>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/outbox") view={Lazy::<lazy::Outbox>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
