//! The admin area's own navigation, above each admin page.

use leptos::prelude::*;

const SECTIONS: &[(&str, &str)] = &[
    ("/admin", "Overview"),
    ("/admin/accounts", "Accounts"),
    ("/admin/subscriptions", "Subscriptions"),
    ("/admin/payments", "Payments"),
    ("/admin/invoices", "Invoices"),
    ("/admin/plans", "Plans"),
    ("/admin/credit-packages", "Credit packages"),
    ("/admin/credit-costs", "Credit pricing"),
    ("/admin/tax-rates", "Tax rates"),
    ("/admin/audit", "Audit log"),
    ("/admin/outbox", "Outbox"),
];

#[component]
pub fn AdminNav() -> impl IntoView {
    view! {
        <nav class="admin-nav" aria-label="Admin">
            {SECTIONS.iter().map(|(href, label)| view! { <a href=*href>{*label}</a> }).collect_view()}
        </nav>
    }
}
