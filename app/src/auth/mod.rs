//! Signup, login, sessions, email verification, password reset and the route guard.

pub mod api;
pub mod email;
pub mod guard;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod client_ip;
#[cfg(feature = "ssr")]
pub mod cookies;
#[cfg(feature = "ssr")]
pub mod identity;
#[cfg(feature = "ssr")]
pub mod middleware;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod throttle;
#[cfg(feature = "ssr")]
pub mod tokens;
