//! Server-side infrastructure: the pool and migrations, the clock, the state, secrets, seed data.

pub mod clock;
pub mod db;
pub mod flag;
pub mod idempotency;
pub mod ids;
pub mod listing;
pub mod mail;
pub mod no_js;
pub mod retry;
pub mod scheduler;
pub mod secret;
pub mod seed;
pub mod state;

pub use clock::{Clock, Timestamp};
pub use db::{Db, Engine, Tx};
pub use flag::Flag;
pub use secret::Secret;
pub use state::{app_state, AppState, RunMode, Settings};
