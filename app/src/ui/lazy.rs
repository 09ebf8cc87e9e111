//! Lazy routes: with `cargo leptos build --split` each page declared here gets its own WASM chunk,
//! fetched the first time the browser shows that page (the server renders it like any other
//! route, and names the chunk in the page so the browser fetches it alongside the main bundle).
//! The first load of any page thus carries the shell, the layout (route guard, balance widget)
//! and that page only. Tenant pages: `crate::pages`; admin pages: `crate::admin::lazy`.

/// `lazy_page!(Route, Page)` declares `Route`, a lazy route showing `<Page/>`;
/// `lazy_page!(Route, view! { ... })` one showing that view. The page loads its own data, so the
/// route's data step is empty. Route names must be unique in the whole app: the split point (and
/// the chunk's file name) is derived from the name alone.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        $crate::ui::lazy::lazy_page!($route, ::leptos::view! { <$page/> });
    };
    ($route:ident, $view:expr) => {
        #[doc = concat!("The lazy route `", stringify!($route), "`, loaded on first use.")]
        pub struct $route;

        #[::leptos_router::lazy_route]
        impl ::leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(this: Self) -> ::leptos::prelude::AnyView {
                let _ = this;
                ::leptos::prelude::IntoAny::into_any($view)
            }
        }
    };
}

pub(crate) use lazy_page;
