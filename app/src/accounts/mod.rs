//! Accounts (tenants) and their users.

pub mod model;
pub mod slug;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod test_clock;
