//! The Planner and Writer pages: the form, the preflight (estimate against the available
//! balance, before anything runs), the running state, and the result. The server checks the
//! same things again whatever the page sends.

use super::api::{get_task, RunPlanner, RunWriter};
use super::model::{TaskView, WritingKind};
use super::planner::{parse_keywords, Cluster};
use crate::common::AppError;
use crate::credits::api::list_credit_costs;
use crate::credits::model::{insufficient, with_buffer, CreditCost};
use crate::credits::widget::{refresh_balance_after, use_balance};
use crate::limits::pages::ModuleGate;
use crate::ui::errors::FormError;
use crate::ui::forms::{action_error, request_key, RequestKeyInput};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// What the preflight knows: the cost (the server renders it with the page), and the available
/// balance once the browser has it. `None` for an operation without a price.
#[derive(Debug, Clone, PartialEq)]
struct Preflight {
    cost: i64,
    required: i64,
    available: Option<i64>,
}

impl Preflight {
    fn shortfall(&self) -> Option<AppError> {
        let available = self.available?;
        (available < self.required).then(|| insufficient(self.required, available))
    }
}

fn preflight(
    costs: StoredValue<Vec<CreditCost>>,
    operation: Signal<&'static str>,
    quantity: Signal<i64>,
) -> Signal<Option<Preflight>> {
    let balance = use_balance();
    Signal::derive(move || {
        let op = operation.get();
        let cost = costs.with_value(|list| {
            list.iter()
                .find(|c| c.operation == op)
                .map(|c| c.cost_of(quantity.get()))
        })?;
        Some(Preflight {
            cost,
            required: with_buffer(cost),
            available: balance.and_then(|b| b.available()),
        })
    })
}

/// A module page: its credit costs and the task named in the address (`?task=`, where a form
/// posted without JavaScript lands) are read by the server with the page, so the estimate, the
/// Run button and the result work before the WASM loads.
#[component]
fn ModulePage<F, V>(form: F) -> impl IntoView
where
    F: Fn(StoredValue<Vec<CreditCost>>, Option<TaskView>) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let costs = Resource::new(|| (), |_| list_credit_costs());
    let query = use_query_map();
    let shown = Resource::new(
        move || query.get().get("task"),
        |id| async move {
            match id {
                Some(id) => get_task(id).await.ok(),
                None => None,
            }
        },
    );
    let form = std::sync::Arc::new(form);
    view! {
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || {
                let form = form.clone();
                Suspend::new(async move {
                    let costs = costs.await.unwrap_or_default();
                    let shown = shown.await;
                    form(StoredValue::new(costs), shown)
                })
            }}
        </Transition>
    }
}

#[component]
fn PreflightPanel(
    estimate: Signal<Option<Preflight>>,
    quantity_label: Signal<String>,
) -> impl IntoView {
    let shortfall = Signal::derive(move || estimate.get().and_then(|e| e.shortfall()));
    view! {
        <div class="preflight card" data-testid="preflight" aria-live="polite">
            {move || match estimate.get() {
                None => view! { <p class="muted">"No price is set for this operation."</p> }.into_any(),
                Some(e) => view! {
                    <p>
                        "Estimated cost: " <strong data-testid="estimate-cost">{e.cost}</strong> " credits for " {quantity_label.get()}
                        ". " <span class="muted">{format!("{} are held while it runs (estimate + 20%); you pay only what it uses.", e.required)}</span>
                    </p>
                    {e.available.map(|available| view! {
                        <p class="muted small">"Available: " <span data-testid="estimate-available">{available}</span> " credits"</p>
                    })}
                }.into_any(),
            }}
            <FormError error=shortfall/>
        </div>
    }
}

/// The page's run button: disabled while running and when the balance is known not to cover
/// the estimate (nothing starts). Before the browser knows the balance the server decides.
#[component]
fn RunButton(
    pending: Signal<bool>,
    estimate: Signal<Option<Preflight>>,
    label: &'static str,
) -> impl IntoView {
    let blocked = move || estimate.get().is_some_and(|e| e.shortfall().is_some());
    view! {
        <button class="button" type="submit" data-testid="run-task"
            disabled=move || pending.get() || blocked()
            aria-busy=move || pending.get().to_string()>
            {move || if pending.get() { "Running…" } else { label }}
        </button>
    }
}

#[component]
pub fn PlannerPage() -> impl IntoView {
    view! { <ModulePage form=|costs, shown| view! { <PlannerForm costs shown/> }/> }
}

#[component]
fn PlannerForm(costs: StoredValue<Vec<CreditCost>>, shown: Option<TaskView>) -> impl IntoView {
    let action = ServerAction::<RunPlanner>::new();
    let keywords = RwSignal::new(String::new());
    let count = Signal::derive(move || keywords.with(|k| parse_keywords(k).len() as i64));
    let estimate = preflight(costs, Signal::derive(|| "planner.cluster_keywords"), count);
    refresh_balance_after(move || action.version().get());
    let error = action_error(action);
    view! {
        <Title text="Planner"/>
        <h1>"Planner"</h1>
        <p class="muted">"Paste keywords (one per line or separated by commas). The Planner groups them into topic clusters by shared word stems."</p>
        <ActionForm action attr:class="form task-form">
            <label>"Keywords"
                <textarea name="keywords" rows="8" required placeholder="running shoes\nbest running shoes for women\ntrail running tips"
                    on:input=move |ev| keywords.set(event_target_value(&ev))></textarea>
            </label>
            <PreflightPanel estimate quantity_label=Signal::derive(move || format!("{} keywords", count.get()))/>
            <FormError error/>
            <RequestKeyInput key=request_key(action)/>
            <RunButton pending=action.pending().into() estimate label="Cluster keywords"/>
        </ActionForm>
        {move || action.value().get().and_then(Result::ok).or_else(|| shown.clone()).map(|task| view! { <PlannerResult task/> })}
    }
}

#[component]
fn PlannerResult(task: TaskView) -> impl IntoView {
    let clusters: Vec<Cluster> = task
        .result
        .as_ref()
        .and_then(|r| r.get("clusters"))
        .and_then(|c| serde_json::from_value(c.clone()).ok())
        .unwrap_or_default();
    view! {
        <section class="card task-result" data-testid="task-result" data-task=task.id.clone()>
            <h2>{format!("{} clusters", clusters.len())}</h2>
            <p class="muted small" data-testid="task-charged">{format!("Charged {} credits.", task.credits_charged)}</p>
            <ul class="cluster-list">
                {clusters.into_iter().map(|c| view! {
                    <li><strong>{c.name}</strong>" — "{c.keywords.join(", ")}</li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
pub fn WriterPage() -> impl IntoView {
    view! { <ModulePage form=|costs, shown| view! { <WriterForm costs shown/> }/> }
}

#[component]
fn WriterForm(costs: StoredValue<Vec<CreditCost>>, shown: Option<TaskView>) -> impl IntoView {
    let action = ServerAction::<RunWriter>::new();
    let kind = RwSignal::new(WritingKind::Outline);
    let words = RwSignal::new(super::model::DEFAULT_ARTICLE_WORDS);
    let operation = Signal::derive(move || kind.get().operation());
    let quantity = Signal::derive(move || {
        if kind.get() == WritingKind::Article {
            words.get()
        } else {
            1
        }
    });
    let estimate = preflight(costs, operation, quantity);
    refresh_balance_after(move || action.version().get());
    let error = action_error(action);
    let provider = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            provider.set(super::api::writer_provider().await.ok());
        });
    });
    view! {
        <Title text="Writer"/>
        <h1>"Writer"</h1>
        <p class="muted">"An outline or an article draft for a keyword or topic."
            {move || provider.get().filter(|p| p == super::model::OFFLINE_PROVIDER).map(|_| view! {
                " " <span class="badge" data-testid="offline-provider">"Offline templates: no AI service is configured"</span>
            })}
        </p>
        <ActionForm action attr:class="form task-form">
            <div class="form-row">
                <label>"Kind"
                    <select name="kind" on:change=move |ev| kind.set(event_target_value(&ev).parse().unwrap_or(WritingKind::Outline))>
                        <option value="outline" selected=true>"Outline"</option>
                        <option value="article">"Article draft"</option>
                    </select>
                </label>
                <label class:hidden=move || kind.get() != WritingKind::Article>"Words"
                    <input type="number" name="words" min="100" max="3000" step="100" prop:value=move || words.get().to_string()
                        on:input=move |ev| words.set(event_target_value(&ev).parse().unwrap_or(0))/>
                </label>
            </div>
            <label>"Keyword or topic" <input type="text" name="keyword" maxlength="200" required placeholder="trail running shoes"/></label>
            <PreflightPanel estimate quantity_label=Signal::derive(move || if kind.get() == WritingKind::Article { format!("{} words", words.get()) } else { "one outline".into() })/>
            <FormError error/>
            <RequestKeyInput key=request_key(action)/>
            <RunButton pending=action.pending().into() estimate label="Write"/>
        </ActionForm>
        {move || action.value().get().and_then(Result::ok).or_else(|| shown.clone()).map(|task| view! { <WriterResult task/> })}
    }
}

#[component]
fn WriterResult(task: TaskView) -> impl IntoView {
    let text = task
        .result
        .as_ref()
        .and_then(|r| r.get("text"))
        .and_then(|t| t.as_str())
        .unwrap_or_default()
        .to_string();
    let words = task
        .result
        .as_ref()
        .and_then(|r| r.get("words"))
        .and_then(serde_json::Value::as_i64)
        .unwrap_or_default();
    view! {
        <section class="card task-result" data-testid="task-result" data-task=task.id.clone()>
            <p class="muted small" data-testid="task-charged">
                {format!("{words} words · charged {} credits · written by {}", task.credits_charged, task.provider.clone().unwrap_or_default())}
            </p>
            <pre class="writer-text">{text}</pre>
        </section>
    }
}

/// `/planner`, behind the plan's module check.
#[component]
pub fn PlannerRoute() -> impl IntoView {
    view! { <ModuleGate module="planner" label="Planner"><PlannerPage/></ModuleGate> }
}

/// `/writer`, behind the plan's module check.
#[component]
pub fn WriterRoute() -> impl IntoView {
    view! { <ModuleGate module="writer" label="Writer"><WriterPage/></ModuleGate> }
}
