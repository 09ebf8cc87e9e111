//! Small display helpers shared by the billing pages: dates and status badges.

use leptos::prelude::*;

/// The calendar date of an RFC 3339 time (`2026-02-15T12:00:00Z` → `2026-02-15`).
pub fn date(rfc3339: &str) -> String {
    rfc3339.get(..10).unwrap_or(rfc3339).to_string()
}

/// The date and minute of an RFC 3339 time in UTC (`2026-02-15T12:30:00Z` → `2026-02-15 12:30 UTC`).
pub fn date_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(minute)) => format!("{day} {minute} UTC"),
        _ => rfc3339.to_string(),
    }
}

/// A status as a coloured badge: `awaiting_approval` reads "awaiting approval".
#[component]
pub fn StatusBadge(#[prop(into)] status: String) -> impl IntoView {
    let label = status.replace('_', " ");
    view! { <span class=format!("badge status status-{status}") data-status=status.clone()>{label}</span> }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_cut_from_rfc3339() {
        assert_eq!(super::date("2026-02-15T12:00:00Z"), "2026-02-15");
        assert_eq!(super::date("soon"), "soon");
    }
}
