//! `/admin/accounts`: find any account by name, slug or email, filter by plan and status, sort,
//! page; `/admin/users/:id`: one user's account with its ledger, a credit adjustment form and,
//! outside production, its test clock.

use super::api::{
    admin_account_ledger, admin_plans, admin_test_clock, admin_users, AdminAdjustCredits,
    AdminAdvanceTestClock, AdminAttachTestClock,
};
use super::filters::{fixed, Choice, FilterButtons};
use super::list_query::csv_export_url;
use super::model::{AdminPlan, AdminUserRow, UserQuery};
use super::nav::AdminNav;
use super::test_clock_card::TestClockCard;
use crate::ui::errors::{ErrorPage, FieldError, FormError};
use crate::ui::format::date;
use crate::ui::forms::{action_error, SubmitButton};
use crate::ui::pager::{use_page_number, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn user_query(query: &leptos_router::params::ParamsMap) -> UserQuery {
    let get = |key: &str| query.get(key).filter(|v| !v.is_empty());
    UserQuery {
        q: get("q"),
        plan: get("plan"),
        status: get("status"),
        sort: get("sort"),
    }
}

const STATUSES: &[(&str, &str)] = &[
    ("active", "active"),
    ("past_due", "past due"),
    ("pending_payment", "pending payment"),
    ("none", "none"),
];
const SORTS: &[(&str, &str)] = &[
    ("created", "Newest"),
    ("email", "Email"),
    ("account", "Account"),
    ("balance", "Balance"),
];

/// The plan filter, listing the catalog's plans by name.
#[component]
fn PlanFilter(
    plans: Resource<Result<Vec<AdminPlan>, crate::common::AppError>>,
    current: Option<String>,
) -> impl IntoView {
    view! {
        <label>"Plan"
            <Transition fallback=|| view! { <select name="plan" disabled=true><option value="">"Any"</option></select> }>
                {move || {
                    let current = current.clone();
                    Suspend::new(async move {
                        let plans = plans.await.unwrap_or_default();
                        view! {
                            <select name="plan">
                                <option value="">"Any"</option>
                                {plans.into_iter().map(|p| {
                                    let selected = current.as_deref() == Some(p.plan.slug.as_str());
                                    view! { <option value=p.plan.slug selected=selected>{p.plan.name}</option> }
                                }).collect_view()}
                            </select>
                        }
                    })
                }}
            </Transition>
        </label>
    }
}

#[component]
pub fn AdminAccountsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| user_query(&query.get()));
    let page = use_page_number("page");
    let users = Resource::new(
        move || (filter.get(), page.get()),
        |(q, p)| admin_users(q, p),
    );
    // Every plan, inactive ones too: accounts may still be on a plan that is no longer sold.
    let plans = Resource::new(|| (), |_| admin_plans());
    let current = filter.get_untracked();
    let export = csv_export_url("/api/v1/admin/users/");
    view! {
        <Title text="Accounts · Admin"/>
        <AdminNav/>
        <h1>"Accounts and users"</h1>
        <form class="form filters" method="get" action="/admin/accounts" data-testid="account-search">
            <label>"Search" <input type="search" name="q" value=current.q.clone().unwrap_or_default() placeholder="Name, slug or email"/></label>
            <PlanFilter plans current=current.plan.clone()/>
            <Choice label="Status" name="status" choices=fixed(STATUSES) current=current.status.clone().unwrap_or_default()/>
            <Choice label="Sort" name="sort" choices=fixed(SORTS) current=current.sort.clone().unwrap_or_default() any=false/>
            <FilterButtons label="Search" export export_testid="export-users"/>
        </form>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match users.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(found) => view! {
                        <UserTable rows=found.items.clone()/>
                        <Pager base="/admin/accounts" key="page" page=found.page page_size=found.page_size total=found.total/>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn UserTable(rows: Vec<AdminUserRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"No account matches."</p> }.into_any();
    }
    view! {
        <div class="card"><table class="table" data-testid="account-results">
            <thead><tr><th>"User"</th><th>"Account"</th><th>"Plan"</th><th>"Status"</th><th>"Balance"</th><th></th></tr></thead>
            <tbody>
                {rows.into_iter().map(|row| view! {
                    <tr data-email=row.email.clone()>
                        <td>{row.email.clone()} <span class="muted small">" " {row.role.as_str()}</span></td>
                        <td>{row.account_name.clone()} <span class="muted small">" " {row.account_slug.clone()}</span></td>
                        <td>{row.plan.clone().unwrap_or_else(|| "—".into())}</td>
                        <td>{row.subscription_status.map_or("none", |s| s.as_str())}</td>
                        <td data-testid="row-balance">{row.credit_balance}</td>
                        <td>
                            <a class="button button-small" href=format!("/admin/users/{}", row.user_id)>"Manage"</a>
                            " "
                            <a class="button button-secondary button-small" href=format!("/admin/subscriptions?account_id={}", row.account_id)>"Subscriptions"</a>
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}

/// One user's account: balance, ledger, and the adjustment form.
#[component]
pub fn AdminUserPage() -> impl IntoView {
    let params = use_params_map();
    let user_id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let adjust = ServerAction::<AdminAdjustCredits>::new();
    let attach = ServerAction::<AdminAttachTestClock>::new();
    let advance = ServerAction::<AdminAdvanceTestClock>::new();
    // What changes the account: an adjustment, or its test clock running what fell due. Every
    // read of the page is keyed by the user alone, so none waits for another's answer (a read
    // that did would be fetched again while the page hydrates, and the page would not match).
    let changes = move || {
        (
            user_id.get(),
            adjust.version().get(),
            attach.version().get(),
            advance.version().get(),
        )
    };
    let row = Resource::new(changes, |(id, ..)| super::api::admin_user(id));
    let ledger = Resource::new(changes, |(id, ..)| admin_account_ledger(id));
    let clock = Resource::new(changes, |(id, ..)| admin_test_clock(id));
    let error = action_error(adjust);
    let request_key = crate::ui::forms::request_key(adjust);
    view! {
        <Title text="Account · Admin"/>
        <AdminNav/>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match (row.await, ledger.await, clock.await) {
                    (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => view! { <ErrorPage error/> }.into_any(),
                    (Ok(row), Ok(entries), Ok(panel)) => view! {
                        <h1>{row.account_name.clone()}</h1>
                        <p class="muted">{format!("{} · {} · plan {} ({})", row.email, row.account_slug, row.plan.clone().unwrap_or_else(|| "none".into()), row.subscription_status.map_or("none", |s| s.as_str()))}</p>
                        <p>"Balance: " <strong data-testid="admin-balance">{row.credit_balance}</strong> " credits"</p>
                        <TestClockCard panel account_id=row.account_id.clone() attach advance/>
                        <section class="card">
                            <h2>"Ledger"</h2>
                            <table class="table ledger-table">
                                <thead><tr><th>"Date"</th><th>"Type"</th><th>"Description"</th><th>"Amount"</th><th>"Balance"</th></tr></thead>
                                <tbody>
                                    {entries.into_iter().map(|e| view! {
                                        <tr data-kind=e.kind.as_str()><td>{date(&e.created_at)}</td><td>{e.kind.label()}</td><td>{e.description.clone()}</td><td>{format!("{:+}", e.amount)}</td><td>{e.balance_after}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
        <section class="card">
            <h2>"Adjust credits"</h2>
            <FormError error/>
            {move || adjust.value().get().and_then(Result::ok).map(|b| view! {
                <p class="alert alert-success" role="status" data-testid="adjusted">{format!("Done. The account now has {} credits.", b.balance)}</p>
            })}
            <ActionForm action=adjust attr:class="form" attr:data-testid="adjust-form">
                <input type="hidden" name="user_id" value=move || user_id.get()/>
                <crate::ui::forms::RequestKeyInput key=request_key/>
                <label>"Credits (negative to remove)" <input type="text" name="amount" inputmode="numeric" required/>
                    <FieldError error field="amount"/></label>
                <label>"Reason" <input type="text" name="reason" maxlength="500" required/>
                    <FieldError error field="reason"/></label>
                <SubmitButton pending=adjust.pending() label="Adjust" busy_label="Adjusting…"/>
            </ActionForm>
        </section>
    }
}
