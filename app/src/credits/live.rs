//! Live balance updates. A change made by this instance wakes its subscribers at once; the
//! stream also re-reads the balance every few seconds, so changes made by other instances (or
//! an admin elsewhere) arrive too.

use crate::backend::AppState;
use tokio::sync::broadcast;

/// Account ids whose credits just changed, for the balance streams of this instance.
#[derive(Debug, Clone)]
pub struct CreditEvents(broadcast::Sender<String>);

impl Default for CreditEvents {
    fn default() -> Self {
        CreditEvents(broadcast::channel(256).0)
    }
}

impl CreditEvents {
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.0.subscribe()
    }
}

/// Tells this instance's streams that the account's credits changed, and checks its
/// low-balance alert (credits/alerts.rs) off the request.
pub fn changed(state: &AppState, account_id: &str) {
    // No receiver is fine: nobody is watching.
    let _ = state.credit_events.0.send(account_id.to_string());
    super::alerts::watch(state, account_id);
}
