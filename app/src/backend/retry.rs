//! When a failed delivery is tried again: webhooks (`crate::webhooks::delivery`) and emails
//! (`super::mail`) back off the same way — 30 s, 1 min, 2 min, … doubling to at most an hour
//! apart — and give up a day after the event.

use super::Timestamp;

/// How long a retry schedule lasts from the event.
pub const GIVE_UP_AFTER: i64 = 24 * 3600;
const FIRST_RETRY: i64 = 30;
const LONGEST_WAIT: i64 = 3600;

/// The wait before retry number `attempt` (1 after the first failure).
pub fn backoff(attempt: i64) -> i64 {
    let doublings = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(u32::MAX)
        .min(16);
    (FIRST_RETRY << doublings).min(LONGEST_WAIT)
}

/// When to try again after failed attempt number `attempt` of something created at
/// `created_at`; `None` once that would be more than a day after it.
pub fn next_attempt(attempt: i64, created_at: Timestamp, now: Timestamp) -> Option<Timestamp> {
    let next = now + backoff(attempt);
    (next <= created_at + GIVE_UP_AFTER).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_stop_after_a_day() {
        assert_eq!(backoff(1), 30);
        assert_eq!(backoff(2), 60);
        assert_eq!(backoff(5), 480);
        assert_eq!(backoff(20), 3600);
        assert_eq!(backoff(i64::MAX), 3600);
        assert_eq!(next_attempt(1, 0, 0), Some(30));
        assert_eq!(next_attempt(30, 0, GIVE_UP_AFTER - 10), None);
    }
}
