//! Sites: the websites a tenant works on. The plan's `sites` limit counts them.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;
