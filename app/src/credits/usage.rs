//! Usage reports: the filtered ledger, the usage log, and totals per operation and per day.
//! Every figure is an SQL aggregate over the account's own rows.

use super::ledger::EntryKind;
use super::model::{
    DayTotal, LedgerEntryView, OperationTotal, UsageFilter, UsageLogView, UsageSummary,
};
use crate::backend::clock::rfc3339;
use crate::backend::{Db, Timestamp};
use crate::common::{AppError, AppResult};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Row};
use time::macros::format_description;
use time::{Date, OffsetDateTime};

const DAY: i64 = 86_400;
/// The summary covers at most this many days (a chart of a year, at most).
const MAX_DAYS: i64 = 366;
pub const DEFAULT_DAYS: i64 = 30;

enum Arg {
    Text(String),
    Int(i64),
}

/// `WHERE …` of a filtered list, with its arguments in `$n` order.
struct Conditions {
    sql: String,
    args: Vec<Arg>,
}

impl Conditions {
    fn for_account(account_id: &str) -> Conditions {
        Conditions {
            sql: "account_id = $1".into(),
            args: vec![Arg::Text(account_id.to_string())],
        }
    }

    fn and(&mut self, column_op: &str, arg: Arg) {
        self.args.push(arg);
        self.sql
            .push_str(&format!(" AND {column_op} ${}", self.args.len()));
    }

    fn bind<'q>(
        &self,
        mut query: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        for arg in &self.args {
            query = match arg {
                Arg::Text(text) => query.bind(text.clone()),
                Arg::Int(n) => query.bind(*n),
            };
        }
        query
    }
}

pub fn parse_day(field: &str, value: &str) -> AppResult<Timestamp> {
    Date::parse(value.trim(), format_description!("[year]-[month]-[day]"))
        .map(|date| date.midnight().assume_utc().unix_timestamp())
        .map_err(|_| AppError::invalid(field, "Use a date like 2026-01-31."))
}

fn day_label(at: Timestamp) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The `[from, to)` seconds of the filter's inclusive dates; either end may be open.
fn date_range(filter: &UsageFilter) -> AppResult<(Option<Timestamp>, Option<Timestamp>)> {
    let from = non_empty(&filter.from)
        .map(|d| parse_day("from", d))
        .transpose()?;
    let to = non_empty(&filter.to)
        .map(|d| parse_day("to", d).map(|start| start + DAY))
        .transpose()?;
    if let (Some(from), Some(to)) = (from, to) {
        if to <= from {
            return Err(AppError::invalid(
                "to",
                "The end date is before the start date.",
            ));
        }
    }
    Ok((from, to))
}

fn conditions(filter: &UsageFilter, account_id: &str, with_kind: bool) -> AppResult<Conditions> {
    let mut conditions = Conditions::for_account(account_id);
    if let Some(kind) = non_empty(&filter.kind) {
        let known = kind.parse::<EntryKind>();
        if !with_kind || known.is_err() {
            return Err(AppError::invalid("kind", "Unknown entry type."));
        }
        conditions.and("kind =", Arg::Text(kind.to_string()));
    }
    if let Some(operation) = non_empty(&filter.operation) {
        conditions.and("operation =", Arg::Text(operation.to_string()));
    }
    let (from, to) = date_range(filter)?;
    if let Some(from) = from {
        conditions.and("created_at >=", Arg::Int(from));
    }
    if let Some(to) = to {
        conditions.and("created_at <", Arg::Int(to));
    }
    Ok(conditions)
}

async fn count(db: &Db, table: &str, conditions: &Conditions) -> AppResult<i64> {
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM {table} WHERE {}",
        conditions.sql
    );
    let row = conditions
        .bind(sqlx::query(&sql))
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get(0)?)
}

/// The ledger, newest first, filtered by type, operation and date.
pub async fn ledger(
    db: &Db,
    account_id: &str,
    filter: &UsageFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<LedgerEntryView>, i64)> {
    let conditions = conditions(filter, account_id, true)?;
    let sql = format!(
        "SELECT id, kind, amount, balance_after, description, reference_id, operation, actor, created_at \
         FROM credit_ledger WHERE {} ORDER BY seq DESC LIMIT {limit} OFFSET {offset}",
        conditions.sql
    );
    let rows = conditions
        .bind(sqlx::query(&sql))
        .fetch_all(db.pool())
        .await?;
    let items = rows
        .iter()
        .map(|row| {
            Ok(LedgerEntryView {
                id: row.try_get("id")?,
                kind: row.try_get("kind")?,
                amount: row.try_get("amount")?,
                balance_after: row.try_get("balance_after")?,
                description: row.try_get("description")?,
                reference_id: row.try_get("reference_id")?,
                operation: row.try_get("operation")?,
                actor: row.try_get("actor")?,
                created_at: rfc3339(row.try_get("created_at")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok((items, count(db, "credit_ledger", &conditions).await?))
}

/// The usage log, newest first, filtered by operation and date.
pub async fn logs(
    db: &Db,
    account_id: &str,
    filter: &UsageFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<UsageLogView>, i64)> {
    let conditions = conditions(filter, account_id, false)?;
    let sql = format!(
        "SELECT id, operation, quantity, credits, site_id, task_id, created_at FROM usage_logs \
         WHERE {} ORDER BY created_at DESC, id DESC LIMIT {limit} OFFSET {offset}",
        conditions.sql
    );
    let rows = conditions
        .bind(sqlx::query(&sql))
        .fetch_all(db.pool())
        .await?;
    let items = rows
        .iter()
        .map(|row| {
            Ok(UsageLogView {
                id: row.try_get("id")?,
                operation: row.try_get("operation")?,
                quantity: row.try_get("quantity")?,
                credits: row.try_get("credits")?,
                site_id: row.try_get("site_id")?,
                task_id: row.try_get("task_id")?,
                created_at: rfc3339(row.try_get("created_at")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok((items, count(db, "usage_logs", &conditions).await?))
}

/// Totals per operation and per day. Without dates: the last [`DEFAULT_DAYS`] days up to `now`.
pub async fn summary(
    db: &Db,
    account_id: &str,
    filter: &UsageFilter,
    now: Timestamp,
) -> AppResult<UsageSummary> {
    let (from, to) = date_range(filter)?;
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
    let conditions = conditions(&range, account_id, false)?;
    let sql = format!(
        "SELECT u.operation, COALESCE(c.label, u.operation) AS label, CAST(COUNT(*) AS BIGINT) AS runs, \
         CAST(SUM(u.quantity) AS BIGINT) AS quantity, CAST(SUM(u.credits) AS BIGINT) AS credits \
         FROM (SELECT * FROM usage_logs WHERE {}) u LEFT JOIN credit_costs c ON c.operation = u.operation \
         GROUP BY u.operation, c.label ORDER BY credits DESC, u.operation",
        conditions.sql
    );
    let by_operation = conditions
        .bind(sqlx::query(&sql))
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|row| {
            Ok(OperationTotal {
                operation: row.try_get("operation")?,
                label: row.try_get("label")?,
                runs: row.try_get("runs")?,
                quantity: row.try_get("quantity")?,
                credits: row.try_get("credits")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let sql = format!(
        "SELECT CAST(created_at / {DAY} AS BIGINT) AS day, CAST(SUM(credits) AS BIGINT) AS credits \
         FROM usage_logs WHERE {} GROUP BY CAST(created_at / {DAY} AS BIGINT)",
        conditions.sql
    );
    let per_day: std::collections::HashMap<i64, i64> = conditions
        .bind(sqlx::query(&sql))
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<i64, _>("day")?,
                row.try_get::<i64, _>("credits")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
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
    fn dates_are_inclusive_utc_days() {
        let filter = UsageFilter {
            from: Some("2026-02-27".into()),
            to: Some("2026-03-01".into()),
            ..Default::default()
        };
        let (from, to) = date_range(&filter).unwrap();
        assert_eq!(day_label(from.unwrap()), "2026-02-27");
        assert_eq!((to.unwrap() - from.unwrap()) / DAY, 3);
    }

    #[test]
    fn bad_dates_and_reversed_ranges_are_refused() {
        let bad = UsageFilter {
            from: Some("31/01/2026".into()),
            ..Default::default()
        };
        assert!(date_range(&bad).is_err());
        let reversed = UsageFilter {
            from: Some("2026-03-02".into()),
            to: Some("2026-03-01".into()),
            ..Default::default()
        };
        assert!(date_range(&reversed).is_err());
    }

    #[test]
    fn unknown_kinds_are_refused() {
        let filter = UsageFilter {
            kind: Some("gift".into()),
            ..Default::default()
        };
        assert!(conditions(&filter, "acc", true).is_err());
        let filter = UsageFilter {
            kind: Some("usage".into()),
            operation: Some("writer.generate_outline".into()),
            ..Default::default()
        };
        let c = conditions(&filter, "acc", true).unwrap();
        assert_eq!(c.sql, "account_id = $1 AND kind = $2 AND operation = $3");
    }
}
