//! The admin pages as lazy routes (`crate::ui::lazy`): each admin page's code lands in its own
//! WASM chunk that the browser fetches the first time an admin opens that page, so a tenant
//! never downloads the admin area.

use super::accounts_page::{AdminAccountsPage, AdminUserPage};
use super::audit_page::AdminAuditPage;
use super::catalog_page::{AdminCostsPage, AdminPackagesPage};
use super::invoices_page::AdminInvoicesPage;
use super::overview_page::AdminOverviewPage;
use super::payments_page::AdminPaymentsPage;
use super::plans_page::AdminPlansPage;
use super::subscriptions_page::AdminSubscriptionsPage;
use super::tax_rates_page::AdminTaxRatesPage;
use crate::mail::pages::AdminOutboxPage;
use crate::ui::lazy::lazy_page;

lazy_page!(Overview, AdminOverviewPage);
lazy_page!(Accounts, AdminAccountsPage);
lazy_page!(User, AdminUserPage);
lazy_page!(Subscriptions, AdminSubscriptionsPage);
lazy_page!(Payments, AdminPaymentsPage);
lazy_page!(Invoices, AdminInvoicesPage);
lazy_page!(Plans, AdminPlansPage);
lazy_page!(Packages, AdminPackagesPage);
lazy_page!(Costs, AdminCostsPage);
lazy_page!(TaxRates, AdminTaxRatesPage);
lazy_page!(Audit, AdminAuditPage);
lazy_page!(Outbox, AdminOutboxPage);
