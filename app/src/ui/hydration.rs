//! Marks the document once the WASM has taken over, so tests (and styles) can tell a
//! server-rendered page from a live one. Effects run only in the browser.

use leptos::prelude::*;

pub fn mark_document_hydrated() {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(root) = leptos::prelude::document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
