//! `/automation`: queue Writer jobs for the account's sites and watch them run.

use super::api::{list_automation_jobs, QueueAutomation};
use super::model::{progress, JobView};
use crate::credits::api::list_credit_costs;
use crate::limits::pages::ModuleGate;
use crate::sites::api::list_sites;
use crate::ui::errors::{FieldError, FormError};
use crate::ui::forms::{action_error, SubmitButton};
use leptos::prelude::*;
use leptos_meta::Title;
use std::time::Duration;

/// How often the page looks again while jobs are unfinished.
const POLL_EVERY: Duration = Duration::from_millis(1000);

#[component]
pub fn AutomationPage() -> impl IntoView {
    view! {
        <ModuleGate module="automation" label="Automation">
            <AutomationQueue/>
        </ModuleGate>
    }
}

#[component]
fn AutomationQueue() -> impl IntoView {
    let queue = ServerAction::<QueueAutomation>::new();
    let error = action_error(queue);
    let poll = RwSignal::new(0_u64);
    let sites = Resource::new(|| (), |_| list_sites());
    let costs = Resource::new(|| (), |_| list_credit_costs());
    let jobs = Resource::new(
        move || (queue.version().get(), poll.get()),
        |_| list_automation_jobs(),
    );
    // While anything is queued or running, look again shortly (effects run in the browser).
    Effect::new(move |_| {
        let unfinished = jobs
            .get()
            .and_then(Result::ok)
            .is_some_and(|jobs| jobs.iter().any(|j| !j.is_finished()));
        if unfinished {
            set_timeout(move || poll.update(|n| *n += 1), POLL_EVERY);
        }
    });
    view! {
        <Title text="Automation"/>
        <h1>"Automation"</h1>
        <p class="muted">"Queue Writer work for your sites. Jobs run one after another; each is charged like a Writer task, and a job your balance no longer covers fails without charging anything."</p>
        <section class="card">
            <h2>"Queue jobs"</h2>
            <FormError error/>
            <Transition fallback=|| view! { <span class="skeleton"></span> }>
                {move || Suspend::new(async move {
                    match (sites.await, costs.await) {
                        (Err(error), _) | (_, Err(error)) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                        (Ok(sites), _) if sites.is_empty() => view! {
                            <p class="alert alert-warning">"Jobs are queued for sites. " <a href="/sites">"Add a site"</a> " first."</p>
                        }.into_any(),
                        (Ok(sites), Ok(costs)) => view! {
                            <ActionForm action=queue attr:class="form" attr:data-testid="automation-form">
                                <label>"Keywords, one per line"
                                    <textarea name="keywords" rows="5" required placeholder="trail running shoes\nbest road bikes"></textarea>
                                    <FieldError error field="keywords"/></label>
                                <label>"For"
                                    <select name="site_id">
                                        <option value="">{format!("All {} sites", sites.len())}</option>
                                        {sites.into_iter().map(|s| view! { <option value=s.id.clone()>{s.name.clone()}</option> }).collect_view()}
                                    </select>
                                    <FieldError error field="site_ids"/></label>
                                <label>"Write"
                                    <select name="kind">
                                        <option value="outline">"An outline"</option>
                                        <option value="article">"An article"</option>
                                    </select></label>
                                <label>"Article length (words)" <input type="number" name="words" min="100" max="3000" step="100" value="800"/>
                                    <FieldError error field="words"/></label>
                                <p class="muted small">{costs.into_iter().filter(|c| c.operation.starts_with("writer.")).map(|c| format!("{}: {} credits per {} {}. ", c.label, c.credits, c.unit_size, c.unit_label)).collect::<String>()}</p>
                                <SubmitButton pending=queue.pending() label="Queue jobs" busy_label="Queuing…"/>
                            </ActionForm>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match jobs.await {
                    Err(error) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                    Ok(jobs) => view! { <JobList jobs/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn JobList(jobs: Vec<JobView>) -> impl IntoView {
    if jobs.is_empty() {
        return view! { <p class="muted">"Nothing queued yet."</p> }.into_any();
    }
    let (done, total) = progress(&jobs);
    view! {
        <section class="card" data-testid="automation-progress">
            <h2>"Jobs"</h2>
            <progress max=total value=done aria-label="Jobs finished"></progress>
            <p data-testid="automation-count">{format!("{done} of {total} jobs finished")}</p>
            <table class="table jobs-table">
                <thead><tr><th>"Site"</th><th>"Keyword"</th><th>"Kind"</th><th>"Status"</th><th>"Credits"</th></tr></thead>
                <tbody>
                    {jobs.into_iter().map(|job| {
                        let note = job.error_message.clone().unwrap_or_default();
                        view! {
                            <tr data-job=job.id.clone() data-status=job.status.as_str()>
                                <td>{job.site_name.clone()}</td>
                                <td>{job.keyword.clone()}</td>
                                <td>{job.kind.as_str()}</td>
                                <td><span class=format!("badge badge-{}", job.status)>{job.status.as_str()}</span>
                                    {(!note.is_empty()).then(|| view! { <span class="muted small">" " {note}</span> })}
                                    {(job.error_code.as_deref() == Some("insufficient_credits")).then(|| view! {
                                        " " <a href="/account/billing#credit-packages">"Buy credits"</a>
                                    })}</td>
                                <td>{job.credits_charged}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}
