//! What accounts and their users are, as both sides see them.

use crate::common::states::text_enum;

text_enum! {
    /// A user's place in their account: one owner, who alone manages billing and the team, and
    /// the members they invite.
    pub enum Role { Owner = "owner", Member = "member" }
}

text_enum! {
    /// How far an admin moves an account's test clock (`accounts::test_clock`).
    pub enum ClockStep { Day = "day", Month = "month", NextRenewal = "next_renewal" }
}

/// An account's test clock as the admin and the account's pages see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TestClockView {
    pub account_id: String,
    /// The account's time (RFC 3339): what its renewals, dunning and trials run by.
    pub now: String,
    /// How far the account's time is ahead of the real time.
    pub ahead_seconds: i64,
    /// When the account's next billing event is due (a renewal, a retry, a trial's reminder or
    /// end, a month's credits of a yearly plan), if one is scheduled.
    pub next_event: Option<String>,
}

/// What the admin's test clock card shows for an account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum TestClockPanel {
    /// Production: there are no test clocks.
    Unavailable,
    /// The account runs on the real time.
    Detached,
    Attached(TestClockView),
}
