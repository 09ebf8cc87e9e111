//! The admin lists keep their filters and page in the URL query, so a filtered view is a link an
//! admin can share or reload, and the CSV export carries the same filters.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The values of `keys` in the URL query, in that order; an absent key reads as "".
pub fn use_query_fields<const N: usize>(keys: [&'static str; N]) -> Memo<[String; N]> {
    let query = use_query_map();
    Memo::new(move |_| {
        let query = query.get();
        keys.map(|key| query.get(key).unwrap_or_default())
    })
}

/// The CSV export of `endpoint` (`/api/v1/admin/…/`) with the page's current filters.
pub fn csv_export_url(endpoint: &'static str) -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || {
        let mut params = query.get();
        params.remove("page");
        params.replace("format", "csv".to_string());
        format!("{endpoint}{}", params.to_query_string())
    })
}
