//! Signup, login, sessions and the route guard.

pub mod email;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod password;
