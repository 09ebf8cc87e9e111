//! Shared widgets and the app frame.

pub mod hydration;
pub mod layout;
pub mod not_found;
pub mod pages;
