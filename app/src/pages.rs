//! Every tenant-facing page as a lazy route (`crate::ui::lazy`): the first load of a page carries
//! the shell, the layout with its route guard and balance widget, and that page's own chunk;
//! the other pages' code arrives when the browser first goes there. `routes.rs` maps the paths.

use crate::api_keys::pages::ApiKeysPage;
use crate::auth::guard::OwnerOnly;
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
use crate::ui::lazy::lazy_page;
use crate::ui::pages::Dashboard;
use crate::webhooks::pages::WebhooksPage;
use leptos::prelude::*;

// Signed out.
lazy_page!(Login, LoginPage);
lazy_page!(Signup, SignupPage);
lazy_page!(ForgotPassword, ForgotPasswordPage);
lazy_page!(ResetPassword, ResetPasswordPage);
lazy_page!(VerifyEmail, VerifyEmailPage);
lazy_page!(DevOutbox, DevOutboxPage);
lazy_page!(Invitation, InvitationPage);
lazy_page!(PaypalApproval, PaypalApprovalPage);

// Signed in, inside the app layout.
lazy_page!(Home, Dashboard);
lazy_page!(Sites, SitesPage);
lazy_page!(Planner, PlannerRoute);
lazy_page!(Writer, WriterRoute);
lazy_page!(Automation, AutomationPage);
lazy_page!(Usage, UsagePage);
lazy_page!(Team, TeamPage);
lazy_page!(PlanChoice, PlansPage);
lazy_page!(Billing, view! { <OwnerOnly><BillingPage/></OwnerOnly> });
lazy_page!(Invoice, view! { <OwnerOnly><InvoicePage/></OwnerOnly> });
lazy_page!(Profile, ProfilePage);
lazy_page!(ApiKeys, view! { <OwnerOnly><ApiKeysPage/></OwnerOnly> });
lazy_page!(Webhooks, view! { <OwnerOnly><WebhooksPage/></OwnerOnly> });
