//! Time, injectable: the server reads the system clock, tests move a manual one, so renewals,
//! grace periods and expiries are tested by moving time instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Seconds since the Unix epoch, UTC: how every time is stored.
pub type Timestamp = i64;

#[derive(Clone, Debug)]
pub struct Clock(Arc<Source>);

#[derive(Debug)]
enum Source {
    System,
    Manual(AtomicI64),
}

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Source::System))
    }

    /// A clock that stands still at `start` until moved.
    pub fn manual(start: Timestamp) -> Clock {
        Clock(Arc::new(Source::Manual(AtomicI64::new(start))))
    }

    pub fn now(&self) -> Timestamp {
        match &*self.0 {
            Source::System => OffsetDateTime::now_utc().unix_timestamp(),
            Source::Manual(at) => at.load(Ordering::SeqCst),
        }
    }

    pub fn now_datetime(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.now()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Moves a manual clock; returns false (and does nothing) on the system clock.
    pub fn advance(&self, seconds: i64) -> bool {
        match &*self.0 {
            Source::System => false,
            Source::Manual(at) => {
                at.fetch_add(seconds, Ordering::SeqCst);
                true
            }
        }
    }
}

/// RFC 3339 in UTC, as docs/api.md wants times.
pub fn rfc3339(at: Timestamp) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = Clock::manual(1_700_000_000);
        assert_eq!(clock.now(), 1_700_000_000);
        assert!(clock.advance(86_400));
        assert_eq!(clock.now(), 1_700_086_400);
        assert!(!Clock::system().advance(1));
    }

    #[test]
    fn formats_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_164_800), "2024-02-29T00:00:00Z");
    }
}
