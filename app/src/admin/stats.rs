//! The overview's figures, each from one SQL aggregate (months are CASE buckets over the 12
//! boundaries computed here), never by loading rows.

use super::model::{CreditsMonth, MonthFigure, StatsView};
use crate::backend::clock::Timestamp;
use crate::backend::Db;
use crate::common::{Currency, Money};
use sqlx::Row;
use time::{Date, Month, OffsetDateTime, Time};

/// How many months the charts cover.
const MONTHS: usize = 12;

/// The starts of the last `MONTHS` months (oldest first) and of the next one, in UTC.
pub fn month_boundaries(now: Timestamp) -> Vec<(String, Timestamp)> {
    let today = OffsetDateTime::from_unix_timestamp(now)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .date();
    let (mut year, mut month) = (today.year(), today.month());
    for _ in 0..MONTHS - 1 {
        month = month.previous();
        if month == Month::December {
            year -= 1;
        }
    }
    let mut bounds = Vec::with_capacity(MONTHS + 1);
    for _ in 0..=MONTHS {
        let start = Date::from_calendar_date(year, month, 1)
            .map(|d| d.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp())
            .unwrap_or(0);
        bounds.push((format!("{year:04}-{:02}", month as u8), start));
        month = month.next();
        if month == Month::January {
            year += 1;
        }
    }
    bounds
}

/// `SUM(CASE WHEN <column> in month i THEN <value> ELSE 0 END) AS m{i}` for each month; the
/// bounds are bound as `$first..`.
fn month_sums(column: &str, value: &str, first: usize) -> String {
    (0..MONTHS)
        .map(|i| {
            let (from, to) = (first + i, first + i + 1);
            format!("CAST(COALESCE(SUM(CASE WHEN {column} >= ${from} AND {column} < ${to} THEN {value} ELSE 0 END), 0) AS BIGINT) AS m{i}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn money_rows(rows: Vec<(String, i64)>) -> Vec<Money> {
    rows.into_iter()
        .filter_map(|(currency, amount)| {
            Currency::parse(&currency)
                .ok()
                .map(|c| Money::new(amount, c))
        })
        .collect()
}

pub async fn stats(db: &Db, now: Timestamp) -> Result<StatsView, sqlx::Error> {
    let bounds = month_boundaries(now);
    let this_month = bounds[MONTHS - 1].1;
    let pool = db.pool();
    // Tenants' accounts: those with no administrator in them.
    let tenant_accounts = "FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.account_id = a.id AND u.is_admin = 1)";
    let (accounts_total, accounts_new_this_month): (i64, i64) = sqlx::query_as(&format!(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN a.created_at >= $1 THEN 1 ELSE 0 END), 0) AS BIGINT) {tenant_accounts}"
    ))
    .bind(this_month)
    .fetch_one(pool)
    .await?;
    let live = "s.status IN ('active', 'trialing', 'past_due')";
    let subscriptions_by_plan: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT p.name, CAST(COUNT(*) AS BIGINT) FROM subscriptions s JOIN plans p ON p.id = s.plan_id \
         WHERE {live} GROUP BY p.name, p.sort_order ORDER BY p.sort_order, p.name"
    ))
    .fetch_all(pool)
    .await?;
    // Monthly plans at their monthly price, yearly ones at a twelfth (summed in hundredths of a
    // minor unit, then rounded once).
    let mrr: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT p.currency, CAST(SUM(CASE WHEN s.billing_interval = 'year' THEN p.price_year * 100 / 12 \
         ELSE p.price_month * 100 END) AS BIGINT) FROM subscriptions s JOIN plans p ON p.id = s.plan_id \
         WHERE {live} GROUP BY p.currency ORDER BY p.currency"
    ))
    .fetch_all(pool)
    .await?;
    let mrr = mrr
        .into_iter()
        .map(|(c, hundredths)| (c, (hundredths + 50) / 100))
        .collect();
    let revenue_this_month: Vec<(String, i64)> = sqlx::query_as(
        "SELECT currency, CAST(SUM(amount) AS BIGINT) FROM payments WHERE status = 'succeeded' \
         AND updated_at >= $1 GROUP BY currency ORDER BY currency",
    )
    .bind(this_month)
    .fetch_all(pool)
    .await?;
    let invoiced: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT currency, CAST(SUM(subtotal) AS BIGINT), CAST(SUM(tax) AS BIGINT) FROM invoices \
         WHERE status = 'paid' AND paid_at >= $1 GROUP BY currency ORDER BY currency",
    )
    .bind(this_month)
    .fetch_all(pool)
    .await?;
    let (net, tax): (Vec<_>, Vec<_>) = invoiced
        .into_iter()
        .map(|(currency, net, tax)| ((currency.clone(), net), (currency, tax)))
        .unzip();
    let chart_currency = Currency::usd();
    let revenue_sql = format!(
        "SELECT {} FROM payments WHERE status = 'succeeded' AND currency = $1",
        month_sums("updated_at", "amount", 2)
    );
    let mut revenue = sqlx::query(&revenue_sql).bind(chart_currency.as_str());
    for (_, start) in &bounds {
        revenue = revenue.bind(*start);
    }
    let revenue = revenue.fetch_one(pool).await?;
    let credits_sql = format!(
        "SELECT {}, {} FROM credit_ledger",
        month_sums("created_at", "CASE WHEN kind IN ('plan_grant', 'purchase') OR (kind = 'adjustment' AND amount > 0) THEN amount ELSE 0 END", 1)
            .replace(" AS m", " AS g"),
        month_sums("created_at", "CASE WHEN kind = 'usage' THEN -amount ELSE 0 END", 1)
            .replace(" AS m", " AS u"),
    );
    let mut credits = sqlx::query(&credits_sql);
    for (_, start) in &bounds {
        credits = credits.bind(*start);
    }
    let credits = credits.fetch_one(pool).await?;
    let mut revenue_by_month = Vec::with_capacity(MONTHS);
    let mut credits_by_month = Vec::with_capacity(MONTHS);
    for (i, (month, _)) in bounds.iter().take(MONTHS).enumerate() {
        revenue_by_month.push(MonthFigure {
            month: month.clone(),
            value: revenue.try_get(format!("m{i}").as_str())?,
        });
        credits_by_month.push(CreditsMonth {
            month: month.clone(),
            granted: credits.try_get(format!("g{i}").as_str())?,
            used: credits.try_get(format!("u{i}").as_str())?,
        });
    }
    let (pending_approvals, failed_payments_7d): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN status = 'awaiting_approval' THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN status = 'failed' AND created_at >= $1 THEN 1 ELSE 0 END), 0) AS BIGINT) FROM payments",
    )
    .bind(now - 7 * 86_400)
    .fetch_one(pool)
    .await?;
    Ok(StatsView {
        accounts_total,
        accounts_new_this_month,
        subscriptions_by_plan,
        mrr: money_rows(mrr),
        revenue_this_month: money_rows(revenue_this_month),
        revenue_net_this_month: money_rows(net),
        tax_this_month: money_rows(tax),
        revenue_by_month,
        chart_currency: chart_currency.as_str().to_string(),
        credits_by_month,
        pending_approvals,
        failed_payments_7d,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_months_end_with_the_current_one() {
        // 2026-01-15T12:00:00Z
        let bounds = month_boundaries(1_768_478_400);
        assert_eq!(bounds.len(), 13);
        assert_eq!(bounds[0].0, "2025-02");
        assert_eq!(bounds[11].0, "2026-01");
        assert_eq!(bounds[11].1, 1_767_225_600, "2026-01-01T00:00:00Z");
        assert_eq!(bounds[12].0, "2026-02");
    }
}
