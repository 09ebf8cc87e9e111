//! The PostgreSQL side of the live balance feed ([`super::live`]): each instance keeps one
//! `LISTEN` connection and fans what it hears out to its own streams, and sends its own changes
//! with `pg_notify`, batched, off the request path (a spend never waits for it).
//!
//! A notification's payload is `<instance> <account>,<account>,…`; an instance skips its own,
//! which its streams already heard. PostgreSQL delivers a notification only to connections that
//! were listening when it was sent, so when the listening connection drops (and sqlx reconnects
//! it) every stream of the instance reads again: what was sent meanwhile is not lost.

use super::live::{Change, CreditEvents};
use crate::backend::db::Db;
use crate::backend::ids::new_id;
use sqlx::postgres::PgListener;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const CHANNEL: &str = "igny8_credit_changes";
/// PostgreSQL refuses payloads of 8,000 bytes or more; a batch stops well below.
const PAYLOAD_LIMIT: usize = 7_000;
/// After a failed listen or notify, before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Connects the listener (so changes made from now on are heard, before the server takes
/// requests) and starts the two relay tasks.
pub async fn start(db: &Db, url: &str) -> Result<CreditEvents, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    let (outgoing, queue) = mpsc::unbounded_channel();
    let events = CreditEvents::relayed(outgoing);
    let instance: Arc<str> = new_id("instance").into();
    tokio::spawn(send_changes(db.clone(), instance.clone(), queue));
    tokio::spawn(hear_changes(listener, instance, events.clone()));
    Ok(events)
}

/// Sends this instance's changes: whatever queued up while the last notify ran goes out as one.
async fn send_changes(db: Db, instance: Arc<str>, mut queue: mpsc::UnboundedReceiver<Arc<str>>) {
    while let Some(first) = queue.recv().await {
        let mut batch = BTreeSet::from([first]);
        let mut size = 0;
        while size < PAYLOAD_LIMIT {
            let Ok(next) = queue.try_recv() else { break };
            size += next.len() + 1;
            batch.insert(next);
        }
        let accounts: Vec<&str> = batch.iter().map(|id| &**id).collect();
        let payload = format!("{instance} {}", accounts.join(","));
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(&payload)
            .execute(db.pool())
            .await;
        if let Err(e) = sent {
            // The other instances' streams miss this change until the next one (or their
            // reconnect, at the latest when a stream's lifetime ends).
            tracing::warn!(error = %e, "could not relay credit changes to other instances");
            tokio::time::sleep(RETRY_AFTER).await;
        }
    }
}

/// Hears the other instances' changes and wakes this instance's streams.
async fn hear_changes(mut listener: PgListener, instance: Arc<str>, events: CreditEvents) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                for change in changes_from(notification.payload(), &instance) {
                    events.deliver_here(change);
                }
            }
            // The connection dropped; the next call reconnects and listens again.
            Ok(None) => {
                tracing::warn!("lost the credit change listener; reconnecting");
                events.deliver_here(Change::Everything);
            }
            Err(e) => {
                tracing::warn!(error = %e, "credit change listener failed; retrying");
                events.deliver_here(Change::Everything);
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
    }
}

/// The changes a payload announces, unless this instance sent it.
fn changes_from(payload: &str, instance: &str) -> Vec<Change> {
    match payload.split_once(' ') {
        Some((sender, _)) if sender == instance => Vec::new(),
        Some((_, accounts)) => accounts
            .split(',')
            .filter(|id| !id.is_empty())
            .map(|id| Change::Account(id.into()))
            .collect(),
        // Not ours to parse: read everything rather than miss a change.
        None => vec![Change::Everything],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_skips_its_own_changes_and_hears_the_others() {
        assert!(changes_from("instance_a acc_1,acc_2", "instance_a").is_empty());
        assert_eq!(
            changes_from("instance_a acc_1,acc_2", "instance_b"),
            vec![
                Change::Account("acc_1".into()),
                Change::Account("acc_2".into())
            ]
        );
        assert_eq!(
            changes_from("garbled", "instance_b"),
            vec![Change::Everything]
        );
    }
}
