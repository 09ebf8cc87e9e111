//! Billing calendar and proration: pure arithmetic, unit-tested on awkward dates.
//!
//! Rules (README "Billing rules" repeats them):
//! - A period ends a whole number of months (1 or 12) after the subscription's anchor, the start
//!   of its first period, on the anchor's day of month clamped to the month's last day, at the
//!   anchor's time of day: an anchor of Jan 31 gives Feb 29 (leap year) or Feb 28, then Mar 31.
//! - Proration uses the exact seconds left in the period: money is rounded half up to the cent,
//!   credits are rounded down, so upgrading late cannot farm credits.

use crate::plans::model::BillingInterval;
use time::{Date, Month, OffsetDateTime};

/// The calendar moment `months` months after `anchor` (epoch seconds, UTC), clamped to the last
/// day of the target month.
pub fn add_months(anchor: i64, months: u32) -> i64 {
    let start = OffsetDateTime::from_unix_timestamp(anchor).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let zero_based = start.month() as i32 - 1 + months as i32;
    let year = start.year() + zero_based.div_euclid(12);
    let month = Month::try_from((zero_based.rem_euclid(12) + 1) as u8).unwrap_or(Month::January);
    let day = start.day().min(month.length(year));
    let date = Date::from_calendar_date(year, month, day).unwrap_or(start.date());
    start.replace_date(date).unix_timestamp()
}

/// The end of the period that follows the one ending at `current_end`: the first anchor-based
/// boundary after it.
pub fn next_period_end(anchor: i64, interval: BillingInterval, current_end: i64) -> i64 {
    let step = interval.months();
    let mut periods = 1;
    loop {
        let end = add_months(anchor, step * periods);
        if end > current_end {
            return end;
        }
        periods += 1;
    }
}

/// The share of a whole-period `amount` that covers the rest of the period, in minor units,
/// rounded half up. Zero when nothing is left.
pub fn prorate_money(amount: i64, period_start: i64, period_end: i64, now: i64) -> i64 {
    let (remaining, total) = remaining_of(period_start, period_end, now);
    if total == 0 {
        return 0;
    }
    let scaled = amount as i128 * remaining as i128;
    ((2 * scaled + total as i128) / (2 * total as i128)) as i64
}

/// The share of a period's credits that covers the rest of it, rounded down.
pub fn prorate_credits(credits: i64, period_start: i64, period_end: i64, now: i64) -> i64 {
    let (remaining, total) = remaining_of(period_start, period_end, now);
    if total == 0 {
        return 0;
    }
    (credits as i128 * remaining as i128 / total as i128) as i64
}

fn remaining_of(period_start: i64, period_end: i64, now: i64) -> (i64, i64) {
    let total = (period_end - period_start).max(0);
    let remaining = (period_end - now).clamp(0, total);
    (remaining, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn at(t: OffsetDateTime) -> i64 {
        t.unix_timestamp()
    }

    #[test]
    fn month_ends_clamp_and_return_to_the_anchor_day() {
        let anchor = at(datetime!(2028-01-31 10:00 UTC));
        assert_eq!(add_months(anchor, 1), at(datetime!(2028-02-29 10:00 UTC)));
        assert_eq!(add_months(anchor, 2), at(datetime!(2028-03-31 10:00 UTC)));
        assert_eq!(add_months(anchor, 3), at(datetime!(2028-04-30 10:00 UTC)));
        let non_leap = at(datetime!(2027-01-31 00:00 UTC));
        assert_eq!(add_months(non_leap, 1), at(datetime!(2027-02-28 00:00 UTC)));
        assert_eq!(
            next_period_end(
                anchor,
                BillingInterval::Month,
                at(datetime!(2028-02-29 10:00 UTC))
            ),
            at(datetime!(2028-03-31 10:00 UTC))
        );
    }

    #[test]
    fn years_cross_december_and_leap_days() {
        let anchor = at(datetime!(2028-02-29 00:00 UTC));
        assert_eq!(add_months(anchor, 12), at(datetime!(2029-02-28 00:00 UTC)));
        assert_eq!(add_months(anchor, 48), at(datetime!(2032-02-29 00:00 UTC)));
        let december = at(datetime!(2026-12-15 00:00 UTC));
        assert_eq!(add_months(december, 1), at(datetime!(2027-01-15 00:00 UTC)));
        assert_eq!(BillingInterval::Year.months(), 12);
        assert_eq!(BillingInterval::Month.months(), 1);
    }

    #[test]
    fn prorated_money_rounds_half_up_to_the_cent() {
        // February 2028 has 29 days; 10 days left of a $50.00 difference = 17.241… → 1724.
        let start = at(datetime!(2028-02-01 00:00 UTC));
        let end = at(datetime!(2028-03-01 00:00 UTC));
        let now = at(datetime!(2028-02-20 00:00 UTC));
        assert_eq!(prorate_money(5000, start, end, now), 1724);
        // Exactly half of an odd amount rounds up: 4999 / 2 = 2499.5 → 2500.
        let half = start + (end - start) / 2;
        assert_eq!(prorate_money(4999, start, end, half), 2500);
        assert_eq!(prorate_money(5000, start, end, start), 5000);
        assert_eq!(prorate_money(5000, start, end, end), 0);
        assert_eq!(prorate_money(5000, start, end, end + 10), 0);
    }

    #[test]
    fn prorated_credits_round_down() {
        let start = at(datetime!(2027-02-01 00:00 UTC));
        let end = at(datetime!(2027-03-01 00:00 UTC));
        let now = at(datetime!(2027-02-15 00:00 UTC));
        // 14 of 28 days left of 4000 credits = 2000 exactly; one second later rounds down.
        assert_eq!(prorate_credits(4000, start, end, now), 2000);
        assert_eq!(prorate_credits(4000, start, end, now + 1), 1999);
        assert_eq!(prorate_credits(4000, start, start, start), 0);
    }
}
