//! `/admin`: the business at a glance.

use super::api::admin_stats;
use super::model::StatsView;
use super::nav::AdminNav;
use crate::ui::chart::BarChart;
use crate::ui::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;

fn money_list(list: &[crate::common::Money]) -> String {
    if list.is_empty() {
        return "$0.00".into();
    }
    list.iter()
        .map(std::string::ToString::to_string)
        .collect::<Vec<_>>()
        .join(" + ")
}

#[component]
pub fn AdminOverviewPage() -> impl IntoView {
    let stats = Resource::new(|| (), |_| admin_stats());
    view! {
        <Title text="Admin"/>
        <AdminNav/>
        <h1>"Overview"</h1>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match stats.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(stats) => view! { <Figures stats/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Figures(stats: StatsView) -> impl IntoView {
    let revenue_points = stats
        .revenue_by_month
        .iter()
        .map(|m| (m.month.clone(), m.value / 100))
        .collect();
    let granted = stats
        .credits_by_month
        .iter()
        .map(|m| (m.month.clone(), m.granted))
        .collect();
    let used = stats
        .credits_by_month
        .iter()
        .map(|m| (m.month.clone(), m.used))
        .collect();
    let cards = [
        (
            "Accounts",
            stats.accounts_total.to_string(),
            format!("{} new this month", stats.accounts_new_this_month),
            "stat-accounts",
        ),
        (
            "MRR",
            money_list(&stats.mrr),
            "net of tax; yearly plans count 1/12".to_string(),
            "stat-mrr",
        ),
        (
            "Revenue this month",
            money_list(&stats.revenue_this_month),
            format!(
                "invoiced: {} net, {} tax",
                money_list(&stats.revenue_net_this_month),
                money_list(&stats.tax_this_month)
            ),
            "stat-revenue",
        ),
        (
            "Pending approvals",
            stats.pending_approvals.to_string(),
            String::new(),
            "stat-pending",
        ),
        (
            "Failed payments",
            stats.failed_payments_7d.to_string(),
            "last 7 days".to_string(),
            "stat-failed",
        ),
    ];
    view! {
        <div class="stat-grid">
            {cards.into_iter().map(|(label, value, note, id)| view! {
                <section class="card stat">
                    <p class="muted">{label}</p>
                    <p class="stat-value" data-testid=id>{value}</p>
                    <p class="muted small">{note}</p>
                </section>
            }).collect_view()}
        </div>
        <section class="card">
            <h2>"Active subscriptions by plan"</h2>
            <ul class="limit-list" data-testid="subscriptions-by-plan">
                {stats.subscriptions_by_plan.into_iter().map(|(plan, count)| view! { <li data-plan=plan.clone()><strong>{plan.clone()}</strong>": " {count}</li> }).collect_view()}
            </ul>
        </section>
        <section class="card">
            <h2>{format!("Revenue, last 12 months ({})", stats.chart_currency)}</h2>
            <BarChart points=revenue_points title="Revenue per month" unit=""/>
        </section>
        <section class="card">
            <h2>"Credits granted and used, last 12 months"</h2>
            <h3>"Granted"</h3>
            <BarChart points=granted title="Credits granted per month" unit="credits"/>
            <h3>"Used"</h3>
            <BarChart points=used title="Credits used per month" unit="credits"/>
        </section>
    }
}
