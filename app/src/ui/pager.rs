//! Paged lists keep their page in the URL query (`?page=2`, or another key when a page shows two
//! lists): the page number read from it, and previous / next links that change it.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The 1-based page number under `key` in the URL query (1 when absent or not a number; the
/// server bounds it, common/paging.rs).
pub fn use_page_number(key: &'static str) -> Memo<i64> {
    let query = use_query_map();
    Memo::new(move |_| {
        query
            .get()
            .get(key)
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
    })
}

/// Previous / next links that keep the other query parameters.
#[component]
pub fn Pager(
    base: &'static str,
    key: &'static str,
    page: i64,
    page_size: i64,
    total: i64,
) -> impl IntoView {
    let query = use_query_map();
    let link = move |to: i64| {
        let mut params = query.get_untracked();
        params.replace(key, to.to_string());
        format!("{base}{}", params.to_query_string())
    };
    let pages = ((total + page_size - 1) / page_size).max(1);
    view! {
        <nav class="pager" aria-label="Pages">
            {(page > 1).then(|| view! { <a href=link(page - 1)>"← Previous"</a> })}
            <span class="muted small">{format!("Page {page} of {pages} · {total} rows")}</span>
            {(page < pages).then(|| view! { <a href=link(page + 1)>"Next →"</a> })}
        </nav>
    }
}
