//! Shared widgets and the app frame.

pub mod chart;
pub mod errors;
pub mod format;
pub mod forms;
pub mod hydration;
pub mod layout;
pub mod lazy;
pub mod not_found;
pub mod pager;
pub mod pages;
pub mod toasts;
