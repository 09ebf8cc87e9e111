//! The router: which page answers which path, inside which layout. Signed-in pages render after
//! the session is known (`SsrMode::Async`), so the route guard can answer a real redirect.

use crate::admin::lazy;
use crate::auth::guard::{provide_session, OwnerOnly};
use crate::auth::pages::{
    ForgotPasswordPage, LoginPage, ProfilePage, ResetPasswordPage, SignupPage, VerifyEmailPage,
};
use crate::automation::pages::AutomationPage;
use crate::credits::pages::UsagePage;
use crate::invoices::pages::InvoicePage;
use crate::mail::pages::DevOutboxPage;
use crate::modules::pages::{PlannerRoute, WriterRoute};
use crate::payments::pages::{BillingPage, PaypalApprovalPage};
use crate::plans::pages::PlansPage;
use crate::sites::pages::SitesPage;
use crate::team::pages::{InvitationPage, TeamPage};
use crate::ui::layout::AppLayout;
use crate::ui::not_found::NotFound;
use crate::ui::pages::Dashboard;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_session();
    view! {
        <Stylesheet id="leptos" href="/pkg/igny8.css"/>
        <Title formatter=|page: String| if page.is_empty() { "IGNY8".to_string() } else { format!("{page} · IGNY8") }/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/signup") view=SignupPage/>
                <Route path=path!("/forgot-password") view=ForgotPasswordPage/>
                <Route path=path!("/reset-password") view=ResetPasswordPage/>
                <Route path=path!("/verify-email") view=VerifyEmailPage/>
                <Route path=path!("/dev/outbox") view=DevOutboxPage/>
                <Route path=path!("/invite/:token") view=InvitationPage ssr=SsrMode::Async/>
                <Route path=path!("/sandbox/paypal/:id") view=PaypalApprovalPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=AppLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=Dashboard ssr=SsrMode::Async/>
                    <Route path=path!("sites") view=SitesPage ssr=SsrMode::Async/>
                    <Route path=path!("planner") view=PlannerRoute ssr=SsrMode::Async/>
                    <Route path=path!("writer") view=WriterRoute ssr=SsrMode::Async/>
                    <Route path=path!("automation") view=AutomationPage ssr=SsrMode::Async/>
                    <Route path=path!("account/usage") view=UsagePage ssr=SsrMode::Async/>
                    <Route path=path!("account/team") view=TeamPage ssr=SsrMode::Async/>
                    <Route path=path!("account/plans") view=PlansPage ssr=SsrMode::Async/>
                    <Route path=path!("account/billing") view=|| view! { <OwnerOnly><BillingPage/></OwnerOnly> } ssr=SsrMode::Async/>
                    <Route path=path!("account/invoices/:id") view=|| view! { <OwnerOnly><InvoicePage/></OwnerOnly> } ssr=SsrMode::Async/>
                    <Route path=path!("account/profile") view=ProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("admin") view={Lazy::<lazy::Overview>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/accounts") view={Lazy::<lazy::Accounts>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/users/:id") view={Lazy::<lazy::User>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/subscriptions") view={Lazy::<lazy::Subscriptions>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/payments") view={Lazy::<lazy::Payments>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/invoices") view={Lazy::<lazy::Invoices>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/plans") view={Lazy::<lazy::Plans>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/credit-packages") view={Lazy::<lazy::Packages>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/credit-costs") view={Lazy::<lazy::Costs>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/audit") view={Lazy::<lazy::Audit>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("admin/outbox") view={Lazy::<lazy::Outbox>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
