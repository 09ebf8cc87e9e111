//! The team of an account: its members and the invitations that bring more in. The plan's
//! `seats` limit counts members plus pending invitations.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod invitations;
#[cfg(feature = "ssr")]
pub mod service;
