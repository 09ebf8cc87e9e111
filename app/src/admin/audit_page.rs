//! `/admin/audit`: every admin action, newest first, filterable by action, admin and target.

use super::api::admin_audit;
use super::model::AuditQuery;
use super::nav::AdminNav;
use crate::ui::errors::ErrorPage;
use crate::ui::format::date;
use crate::ui::pager::{use_page_number, Pager};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.get();
        let get = |key: &str| q.get(key).filter(|v| !v.is_empty());
        AuditQuery {
            action: get("action"),
            actor: get("actor"),
            target_id: get("target_id"),
        }
    });
    let page = use_page_number("page");
    let entries = Resource::new(
        move || (filter.get(), page.get()),
        |(f, p)| admin_audit(f, p),
    );
    let current = filter.get_untracked();
    view! {
        <Title text="Audit log · Admin"/>
        <AdminNav/>
        <h1>"Audit log"</h1>
        <form class="form filters" method="get" action="/admin/audit">
            <label>"Action" <input type="text" name="action" value=current.action.unwrap_or_default() placeholder="credits.adjust"/></label>
            <label>"Admin" <input type="text" name="actor" value=current.actor.unwrap_or_default() placeholder="admin@example.com"/></label>
            <label>"Target" <input type="text" name="target_id" value=current.target_id.unwrap_or_default()/></label>
            <button class="button button-secondary" type="submit">"Filter"</button>
        </form>
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(found) => view! {
                        <div class="card"><table class="table" data-testid="audit-entries">
                            <thead><tr><th>"When"</th><th>"Admin"</th><th>"Action"</th><th>"Target"</th><th>"Before → after"</th><th>"Reason"</th></tr></thead>
                            <tbody>
                                {found.items.iter().map(|e| view! {
                                    <tr data-action=e.action.clone()>
                                        <td>{date(&e.created_at)}</td>
                                        <td>{e.actor_email.clone()}</td>
                                        <td>{e.action.clone()}</td>
                                        <td class="small">{format!("{} {}", e.target_type, e.target_id)}</td>
                                        <td class="small"><code>{e.before.as_ref().map(std::string::ToString::to_string).unwrap_or_else(|| "—".into())}</code>" → "<code>{e.after.as_ref().map(std::string::ToString::to_string).unwrap_or_else(|| "—".into())}</code></td>
                                        <td>{e.reason.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table></div>
                        <Pager base="/admin/audit" key="page" page=found.page page_size=found.page_size total=found.total/>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
