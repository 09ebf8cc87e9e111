//! The Planner and Writer pages: the form, the preflight (estimate against the available
//! balance, before anything runs), the running state, and the result. The server checks the
//! same things again whatever the page sends.

use super::api::{RunPlanner, RunWriter};
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

/// Credit costs, loaded in the browser once the page is live (the server renders the
/// "calculating" state, so both render the same first).
fn load_costs() -> RwSignal<Option<Vec<CreditCost>>> {
    let costs = RwSignal::new(None);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(list) = list_credit_costs().await {
                costs.set(Some(list));
            }
        });
    });
    costs
}

/// What the preflight knows: `None` while costs or balance are loading.
#[derive(Debug, Clone, PartialEq)]
struct Preflight {
    cost: i64,
    required: i64,
    available: i64,
}

impl Preflight {
    fn shortfall(&self) -> Option<AppError> {
        (self.available < self.required).then(|| insufficient(self.required, self.available))
    }
}

fn preflight(
    costs: RwSignal<Option<Vec<CreditCost>>>,
    operation: Signal<&'static str>,
    quantity: Signal<i64>,
) -> Signal<Option<Preflight>> {
    let balance = use_balance();
    Signal::derive(move || {
        let op = operation.get();
        let cost = costs.with(|c| {
            c.as_ref()
                .and_then(|list| list.iter().find(|c| c.operation == op))
                .map(|c| c.cost_of(quantity.get()))
        })?;
        let available = balance.and_then(|b| b.available())?;
        Some(Preflight {
            cost,
            required: with_buffer(cost),
            available,
        })
    })
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
                None => view! { <p class="muted">"Calculating the estimate…"</p> }.into_any(),
                Some(e) => view! {
                    <p>
                        "Estimated cost: " <strong data-testid="estimate-cost">{e.cost}</strong> " credits for " {quantity_label.get()}
                        ". " <span class="muted">{format!("{} are held while it runs (estimate + 20%); you pay only what it uses.", e.required)}</span>
                    </p>
                    <p class="muted small">"Available: " <span data-testid="estimate-available">{e.available}</span> " credits"</p>
                }.into_any(),
            }}
            <FormError error=shortfall/>
        </div>
    }
}

/// The page's run button: disabled while running, while the estimate is unknown, and when the
/// balance does not cover it (nothing starts).
#[component]
fn RunButton(
    pending: Signal<bool>,
    estimate: Signal<Option<Preflight>>,
    label: &'static str,
) -> impl IntoView {
    let blocked = move || estimate.get().is_none_or(|e| e.shortfall().is_some());
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
    let action = ServerAction::<RunPlanner>::new();
    let keywords = RwSignal::new(String::new());
    let costs = load_costs();
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
        {move || action.value().get().and_then(Result::ok).map(|task| view! { <PlannerResult task/> })}
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
    let action = ServerAction::<RunWriter>::new();
    let kind = RwSignal::new(WritingKind::Outline);
    let words = RwSignal::new(super::model::DEFAULT_ARTICLE_WORDS);
    let costs = load_costs();
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
        {move || action.value().get().and_then(Result::ok).map(|task| view! { <WriterResult task/> })}
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
