//! Accounts (tenants) and their users.

pub mod slug;
#[cfg(feature = "ssr")]
pub mod store;
