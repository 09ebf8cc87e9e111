//! Usage reports: the filtered ledger, the usage log, and totals per operation and per day.
//! Every figure is an SQL aggregate over the account's own rows.

use super::ledger::EntryKind;
use super::model::{
    DayTotal, LedgerEntryView, OperationTotal, UsageFilter, UsageLogView, UsageSummary,
};
use crate::backend::clock::rfc3339;
use crate::backend::listing::{day_label, filled, DayRange, Filter, ListQuery, DAY};
use crate::backend::{Db, Timestamp};
use crate::common::{AppError, AppResult, Page, PageRequest};

/// The summary covers at most this many days (a chart of a year, at most).
const MAX_DAYS: i64 = 366;
pub const DEFAULT_DAYS: i64 = 30;

/// The account's rows that match the filter's type, operation and days; 422 for a type that is
/// not one (or any type, for the usage log: `with_kind` false) and for bad dates.
fn filter(filter: &UsageFilter, account_id: &str, with_kind: bool) -> AppResult<Filter> {
    let mut rows = Filter::new().and("account_id = ?", account_id);
    if let Some(kind) = filled(filter.kind.as_deref()) {
        let kind = kind
            .parse::<EntryKind>()
            .ok()
            .filter(|_| with_kind)
            .ok_or_else(|| AppError::invalid("kind", "Unknown entry type."))?;
        rows = rows.and("kind = ?", kind.as_str());
    }
    rows = rows.and_set("operation = ?", filter.operation.as_deref());
    Ok(rows.within("created_at", DayRange::parse(&filter.from, &filter.to)?))
}

/// A row of the ledger.
#[derive(sqlx::FromRow)]
struct LedgerRow {
    id: String,
    kind: EntryKind,
    amount: i64,
    balance_after: i64,
    description: String,
    reference_id: Option<String>,
    operation: Option<String>,
    actor: String,
    created_at: Timestamp,
}

impl From<LedgerRow> for LedgerEntryView {
    fn from(row: LedgerRow) -> LedgerEntryView {
        LedgerEntryView {
            id: row.id,
            kind: row.kind,
            amount: row.amount,
            balance_after: row.balance_after,
            description: row.description,
            reference_id: row.reference_id,
            operation: row.operation,
            actor: row.actor,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// A row of the usage log.
#[derive(sqlx::FromRow)]
struct UsageLogRow {
    id: String,
    operation: String,
    quantity: i64,
    credits: i64,
    site_id: Option<String>,
    task_id: Option<String>,
    created_at: Timestamp,
}

impl From<UsageLogRow> for UsageLogView {
    fn from(row: UsageLogRow) -> UsageLogView {
        UsageLogView {
            id: row.id,
            operation: row.operation,
            quantity: row.quantity,
            credits: row.credits,
            site_id: row.site_id,
            task_id: row.task_id,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// The ledger, newest first, filtered by type, operation and date.
pub async fn ledger(
    db: &Db,
    account_id: &str,
    usage: &UsageFilter,
    page: PageRequest,
) -> AppResult<Page<LedgerEntryView>> {
    let list = ListQuery::new(
        "SELECT id, kind, amount, balance_after, description, reference_id, operation, actor, created_at \
         FROM credit_ledger",
        filter(usage, account_id, true)?,
        "ORDER BY seq DESC",
    );
    Ok(list.page::<LedgerRow>(db, page).await?.map(Into::into))
}

/// The usage log, newest first, filtered by operation and date.
pub async fn logs(
    db: &Db,
    account_id: &str,
    usage: &UsageFilter,
    page: PageRequest,
) -> AppResult<Page<UsageLogView>> {
    let list = ListQuery::new(
        "SELECT id, operation, quantity, credits, site_id, task_id, created_at FROM usage_logs",
        filter(usage, account_id, false)?,
        "ORDER BY created_at DESC, id DESC",
    );
    Ok(list.page::<UsageLogRow>(db, page).await?.map(Into::into))
}

/// Totals per operation and per day. Without dates: the last [`DEFAULT_DAYS`] days up to `now`.
pub async fn summary(
    db: &Db,
    account_id: &str,
    filter: &UsageFilter,
    now: Timestamp,
) -> AppResult<UsageSummary> {
    let range = DayRange::parse(&filter.from, &filter.to)?;
    let (from, to) = (range.start, range.end);
    let today = now - now.rem_euclid(DAY);
    let to = to.unwrap_or(today + DAY);
    let from = from.unwrap_or(to - DEFAULT_DAYS * DAY);
    if (to - from) / DAY > MAX_DAYS {
        return Err(AppError::invalid(
            "from",
            format!("Choose at most {MAX_DAYS} days."),
        ));
    }
    let range = UsageFilter {
        from: Some(day_label(from)),
        to: Some(day_label(to - DAY)),
        ..filter.clone()
    };
    let rows = self::filter(&range, account_id, false)?;
    let sql = format!(
        "SELECT u.operation, COALESCE(c.label, u.operation) AS label, CAST(COUNT(*) AS BIGINT) AS runs, \
         CAST(SUM(u.quantity) AS BIGINT) AS quantity, CAST(SUM(u.credits) AS BIGINT) AS credits \
         FROM (SELECT * FROM usage_logs {}) u LEFT JOIN credit_costs c ON c.operation = u.operation \
         GROUP BY u.operation, c.label ORDER BY credits DESC, u.operation",
        rows.where_clause()
    );
    let by_operation: Vec<OperationTotal> =
        rows.bind(sqlx::query_as(&sql)).fetch_all(db.pool()).await?;
    let sql = format!(
        "SELECT CAST(created_at / {DAY} AS BIGINT) AS day, CAST(SUM(credits) AS BIGINT) AS credits \
         FROM usage_logs {} GROUP BY CAST(created_at / {DAY} AS BIGINT)",
        rows.where_clause()
    );
    let per_day: Vec<(i64, i64)> = rows.bind(sqlx::query_as(&sql)).fetch_all(db.pool()).await?;
    let per_day: std::collections::HashMap<i64, i64> = per_day.into_iter().collect();
    let by_day: Vec<DayTotal> = (from / DAY..to / DAY)
        .map(|day| DayTotal {
            day: day_label(day * DAY),
            credits: per_day.get(&day).copied().unwrap_or(0),
        })
        .collect();
    Ok(UsageSummary {
        from: day_label(from),
        to: day_label(to - DAY),
        total_credits: by_operation.iter().map(|o| o.credits).sum(),
        by_operation,
        by_day,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_kinds_are_refused() {
        let usage = UsageFilter {
            kind: Some("gift".into()),
            ..Default::default()
        };
        assert!(filter(&usage, "acc", true).is_err());
        let usage = UsageFilter {
            kind: Some("usage".into()),
            operation: Some("writer.generate_outline".into()),
            ..Default::default()
        };
        let rows = filter(&usage, "acc", true).unwrap();
        assert_eq!(
            rows.where_clause(),
            "WHERE account_id = $1 AND kind = $2 AND operation = $3"
        );
        assert!(
            filter(&usage, "acc", false).is_err(),
            "the usage log has no types"
        );
    }
}
