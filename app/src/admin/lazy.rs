//! The admin pages as lazy routes. Built with `cargo leptos build --split`, each admin page's
//! code lands in its own WASM chunk that the browser fetches the first time an admin opens that
//! page, so a tenant's first load never downloads the admin area. The server renders them like
//! any other route.

use super::accounts_page::{AdminAccountsPage, AdminUserPage};
use super::audit_page::AdminAuditPage;
use super::catalog_page::{AdminCostsPage, AdminPackagesPage};
use super::invoices_page::AdminInvoicesPage;
use super::overview_page::AdminOverviewPage;
use super::payments_page::AdminPaymentsPage;
use super::plans_page::AdminPlansPage;
use super::subscriptions_page::AdminSubscriptionsPage;
use crate::mail::pages::AdminOutboxPage;
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// One lazy route per page: the page loads its own data, so the route's `data` step is empty.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        #[doc = concat!("`", stringify!($page), "`, loaded on first use.")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(this: Self) -> AnyView {
                let _ = this;
                view! { <$page/> }.into_any()
            }
        }
    };
}

lazy_page!(Overview, AdminOverviewPage);
lazy_page!(Accounts, AdminAccountsPage);
lazy_page!(User, AdminUserPage);
lazy_page!(Subscriptions, AdminSubscriptionsPage);
lazy_page!(Payments, AdminPaymentsPage);
lazy_page!(Invoices, AdminInvoicesPage);
lazy_page!(Plans, AdminPlansPage);
lazy_page!(Packages, AdminPackagesPage);
lazy_page!(Costs, AdminCostsPage);
lazy_page!(Audit, AdminAuditPage);
lazy_page!(Outbox, AdminOutboxPage);
