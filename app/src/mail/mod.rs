//! Emails as users and admins see them: the outbox.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod notices;
