//! `/admin/plans`: edit every plan (prices, credits, limits, modules, features, trial, active) and
//! create new ones. A plan with subscribers is deactivated, never deleted.

use super::api::admin_plans;
use super::model::{AdminPlan, MODULES};
use super::nav::AdminNav;
use super::plan_form::AdminSavePlan;
use crate::ui::errors::{ErrorPage, FieldError, FormError};
use crate::ui::forms::{action_error, SubmitButton};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminPlansPage() -> impl IntoView {
    let save = ServerAction::<AdminSavePlan>::new();
    let plans = Resource::new(move || save.version().get(), |_| admin_plans());
    let error = action_error(save);
    view! {
        <Title text="Plans · Admin"/>
        <AdminNav/>
        <h1>"Plans"</h1>
        <p class="muted">"A new price applies from each subscriber's next period. A plan with subscribers can be deactivated (no new subscriptions), not deleted."</p>
        <FormError error/>
        {move || save.value().get().and_then(Result::ok).map(|p| view! {
            <p class="alert alert-success" role="status" data-testid="plan-saved">{format!("Saved {}.", p.plan.name)}</p>
        })}
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match plans.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(list) => list.into_iter().map(|plan| view! { <PlanForm plan=Some(plan) save error/> }).collect_view().into_any(),
                }
            })}
        </Transition>
        <h2>"New plan"</h2>
        <PlanForm plan=None save error/>
    }
}

#[component]
fn PlanForm(
    plan: Option<AdminPlan>,
    save: ServerAction<AdminSavePlan>,
    error: Signal<Option<crate::common::AppError>>,
) -> impl IntoView {
    let p = plan.as_ref().map(|a| &a.plan);
    let text = |f: &dyn Fn(&crate::plans::model::PlanView) -> String| p.map(f).unwrap_or_default();
    let id = text(&|p| p.id.clone());
    let slug = text(&|p| p.slug.clone());
    let name = text(&|p| p.name.clone());
    let currency = p
        .map(|p| p.prices.month.currency.as_str().to_string())
        .unwrap_or_else(|| "USD".into());
    let month = text(&|p| p.prices.month.major());
    let year = text(&|p| p.prices.year.major());
    let credits = text(&|p| p.credits_per_period.to_string());
    let sites = text(&|p| p.limits.sites.to_string());
    let seats = text(&|p| p.limits.seats.to_string());
    let features = text(&|p| p.features.join("\n"));
    let modules: Vec<String> = p.map(|p| p.limits.modules.clone()).unwrap_or_default();
    let trial = p.and_then(|p| p.trial.clone());
    let trial_days = trial
        .as_ref()
        .map(|t| t.days.to_string())
        .unwrap_or_default();
    let trial_credits = trial
        .as_ref()
        .map(|t| t.credits.to_string())
        .unwrap_or_default();
    let trial_card = trial.as_ref().is_some_and(|t| t.requires_card);
    let active = plan.as_ref().is_none_or(|a| a.is_active);
    let subscribers = plan.as_ref().map(|a| a.subscribers);
    let label = if plan.is_some() {
        "Save plan"
    } else {
        "Create plan"
    };
    let key = slug.clone();
    view! {
        <section class="card" data-plan=key>
            {subscribers.map(|n| view! { <p class="muted small">{format!("{n} current subscribers")}</p> })}
            <ActionForm action=save attr:class="form plan-form">
                <input type="hidden" name="id" value=id/>
                <label>"Name" <input type="text" name="name" value=name required/><FieldError error field="name"/></label>
                <label>"Slug" <input type="text" name="slug" value=slug required/><FieldError error field="slug"/></label>
                <label>"Currency" <input type="text" name="currency" value=currency maxlength="3"/></label>
                <label>"Monthly price" <input type="text" name="price_month" value=month inputmode="decimal" required/><FieldError error field="price_month"/></label>
                <label>"Yearly price" <input type="text" name="price_year" value=year inputmode="decimal" required/><FieldError error field="price_year"/></label>
                <label>"Credits a month" <input type="text" name="credits_per_period" value=credits inputmode="numeric" required/></label>
                <label>"Sites" <input type="text" name="limit_sites" value=sites inputmode="numeric" required/><FieldError error field="limit_sites"/></label>
                <label>"Seats" <input type="text" name="limit_seats" value=seats inputmode="numeric" required/><FieldError error field="limit_seats"/></label>
                <fieldset><legend>"Modules"</legend>
                    {MODULES.iter().map(|m| view! {
                        <label class="checkbox"><input type="checkbox" name=*m value="on" checked=modules.iter().any(|x| x == m)/> {*m}</label>
                    }).collect_view()}
                </fieldset>
                <label>"Features, one per line" <textarea name="features" rows="3">{features}</textarea></label>
                <label>"Free trial days (blank: none)" <input type="text" name="trial_days" value=trial_days inputmode="numeric"/><FieldError error field="trial_days"/></label>
                <label>"Trial credits" <input type="text" name="trial_credits" value=trial_credits inputmode="numeric"/><FieldError error field="trial_credits"/></label>
                <label class="checkbox"><input type="checkbox" name="trial_requires_card" value="on" checked=trial_card/> "A card is required to start the trial"</label>
                <label class="checkbox"><input type="checkbox" name="is_active" value="on" checked=active/> "Active (offered to tenants)"</label>
                <SubmitButton pending=save.pending() label busy_label="Saving…"/>
            </ActionForm>
        </section>
    }
}
