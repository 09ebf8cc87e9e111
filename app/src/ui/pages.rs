//! Pages of the signed-in app whose slices are built by later work: each says what it will hold.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn SectionPage(title: &'static str, intro: &'static str) -> impl IntoView {
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <p class="muted">{intro}</p>
    }
}

#[component]
pub fn Dashboard() -> impl IntoView {
    view! { <SectionPage title="Dashboard" intro="Your balance, plan, renewal date and usage."/> }
}

#[component]
pub fn SitesPage() -> impl IntoView {
    view! { <SectionPage title="Sites" intro="The sites IGNY8 writes for."/> }
}

#[component]
pub fn PlannerPage() -> impl IntoView {
    view! { <SectionPage title="Planner" intro="Cluster keywords into topics."/> }
}

#[component]
pub fn WriterPage() -> impl IntoView {
    view! { <SectionPage title="Writer" intro="Outlines and article drafts for your keyword clusters."/> }
}

#[component]
pub fn AutomationPage() -> impl IntoView {
    view! { <SectionPage title="Automation" intro="Queue Writer tasks for your sites."/> }
}

#[component]
pub fn UsagePage() -> impl IntoView {
    view! { <SectionPage title="Usage" intro="Credits granted and spent, per operation and per day."/> }
}

#[component]
pub fn TeamPage() -> impl IntoView {
    view! { <SectionPage title="Team" intro="The people who work in this account."/> }
}

#[component]
pub fn BillingPage() -> impl IntoView {
    view! { <SectionPage title="Billing" intro="Payment methods, invoices, payments and credit packages."/> }
}

#[component]
pub fn AdminHome() -> impl IntoView {
    view! { <SectionPage title="Admin" intro="Accounts, subscriptions, payments and prices."/> }
}
