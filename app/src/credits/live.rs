//! Live balance updates, pushed rather than polled. Whatever changes an account's balance, holds
//! or plan — a task, a purchase, a renewal, an approval, an admin's action — calls [`changed`]
//! (or [`publish`]) after its commit. That wakes the balance streams of this instance
//! (`server/src/rest/credits.rs`) at once; on PostgreSQL it is also relayed to every other
//! instance through LISTEN/NOTIFY ([`super::live_relay`]). A stream at rest reads nothing.
//!
//! On SQLite the app runs as one instance, so the in-process channel is the whole feed.

use crate::backend::AppState;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc};

/// What a balance stream hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// This account's credits, holds or plan changed.
    Account(Arc<str>),
    /// Changes may have been missed (the relay's connection dropped): every stream reads again.
    Everything,
}

impl Change {
    /// Whether a stream of `account_id` must read the balance again.
    pub fn concerns(&self, account_id: &str) -> bool {
        match self {
            Change::Account(id) => &**id == account_id,
            Change::Everything => true,
        }
    }
}

/// The feed of one server instance: its streams subscribe; changes are sent to them and, when
/// other instances share the database, to the relay.
#[derive(Debug, Clone)]
pub struct CreditEvents {
    local: broadcast::Sender<Change>,
    relay: Option<mpsc::UnboundedSender<Arc<str>>>,
}

/// Enough for a burst of changes between two reads of a stream; a stream that falls behind
/// more reads once (see `Lagged` in the stream).
const CHANNEL_CAPACITY: usize = 1024;

impl CreditEvents {
    /// The feed of a single instance (SQLite, and tests that build state by hand).
    pub fn in_process() -> CreditEvents {
        CreditEvents {
            local: broadcast::channel(CHANNEL_CAPACITY).0,
            relay: None,
        }
    }

    /// A feed whose changes also go out through `relay`, and into which the relay delivers the
    /// other instances' changes (`super::live_relay::start`).
    pub(super) fn relayed(relay: mpsc::UnboundedSender<Arc<str>>) -> CreditEvents {
        CreditEvents {
            relay: Some(relay),
            ..CreditEvents::in_process()
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.local.subscribe()
    }

    /// Wakes this instance's streams (none listening is fine).
    pub(super) fn deliver_here(&self, change: Change) {
        let _ = self.local.send(change);
    }

    fn publish(&self, account_id: &str) {
        let id: Arc<str> = account_id.into();
        self.deliver_here(Change::Account(id.clone()));
        if let Some(relay) = &self.relay {
            // The relay task ends only with the process.
            let _ = relay.send(id);
        }
    }
}

/// Tells every balance stream of the account (on every instance) that its credits changed, and
/// checks its low-balance alert (credits/alerts.rs) off the request.
pub fn changed(state: &AppState, account_id: &str) {
    publish(state, account_id);
    super::alerts::watch(state, account_id);
}

/// [`changed`] without the alert check: for the scheduler's jobs, after which the alert sweep
/// runs anyway.
pub fn publish(state: &AppState, account_id: &str) {
    state.credit_events.publish(account_id);
}
