//! `/sites`: the account's sites, the limit with a warning at 80%, add and remove.

use super::api::{list_sites, AddSite, RemoveSite};
use super::model::SiteView;
use crate::limits::api::get_limits;
use crate::limits::pages::LimitBanner;
use crate::ui::errors::{FieldError, FormError};
use crate::ui::forms::{action_error, posted_error, SubmitButton};
use crate::ui::toasts::toast_errors;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SitesPage() -> impl IntoView {
    let add = ServerAction::<AddSite>::new();
    let remove = ServerAction::<RemoveSite>::new();
    let changed = move || (add.version().get(), remove.version().get());
    let sites = Resource::new(changed, |_| list_sites());
    let limits = Resource::new(changed, |_| get_limits());
    let add_error = action_error(add);
    toast_errors(remove);
    let remove_error = posted_error(remove);
    view! {
        <Title text="Sites"/>
        <h1>"Sites"</h1>
        <FormError error=remove_error/>
        <p class="muted">"The websites IGNY8 plans and writes for."</p>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                let (sites, limits) = (sites.await, limits.await);
                match (sites, limits) {
                    (Err(error), _) | (_, Err(error)) => view! { <FormError error=Signal::stored(Some(error))/> }.into_any(),
                    (Ok(sites), Ok(limits)) => {
                        let limit = limits.get("sites").cloned();
                        view! {
                            {limit.clone().map(|limit| view! { <LimitBanner limit/> })}
                            {limit.map(|l| view! { <p class="muted small" data-testid="sites-usage">{format!("{} of {} sites used", l.used, l.limit)}</p> })}
                            <SiteList sites remove/>
                        }.into_any()
                    }
                }
            })}
        </Transition>
        <section class="card">
            <h2>"Add a site"</h2>
            <FormError error=add_error/>
            <ActionForm action=add attr:class="form" attr:data-testid="add-site-form">
                <label>"Name" <input type="text" name="name" maxlength="100" required/>
                    <FieldError error=add_error field="name"/></label>
                <label>"Address" <input type="text" name="url" placeholder="https://example.com" required/>
                    <FieldError error=add_error field="url"/></label>
                <SubmitButton pending=add.pending() label="Add site" busy_label="Adding…"/>
            </ActionForm>
        </section>
    }
}

#[component]
fn SiteList(sites: Vec<SiteView>, remove: ServerAction<RemoveSite>) -> impl IntoView {
    if sites.is_empty() {
        return view! { <p class="muted">"No sites yet."</p> }.into_any();
    }
    view! {
        <ul class="site-list card">
            {sites.into_iter().map(|site| view! {
                <li class="site-row" data-site=site.url.clone()>
                    <span><strong>{site.name.clone()}</strong> " " <span class="muted">{site.url.clone()}</span></span>
                    <ActionForm action=remove attr:class="inline-form">
                        <input type="hidden" name="id" value=site.id.clone()/>
                        <SubmitButton pending=remove.pending() label="Remove" busy_label="Removing…" class="button button-secondary button-small"/>
                    </ActionForm>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}
