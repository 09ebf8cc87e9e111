//! Lists: the one way every list is filtered, ordered and paged — the REST API's, the server
//! functions' and the CSV exports alike. A list is a [`ListQuery`]: a `SELECT … FROM …`, a
//! [`Filter`] and an `ORDER BY`. It answers one [`Page`] of a [`PageRequest`] (common/paging.rs)
//! with how many rows match in all, or every matching row as a query to stream
//! (server/src/rest/csv.rs). Rows are read by `sqlx::FromRow`.

use super::{Db, Timestamp};
use crate::common::{AppError, AppResult, Page, PageRequest};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::QueryAs;
use sqlx::{Any, FromRow};
use time::macros::format_description;
use time::{Date, OffsetDateTime};

pub const DAY: i64 = 86_400;

/// An argument of a list's filter: text or a number (times, amounts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Int(i64),
}

impl From<String> for Arg {
    fn from(text: String) -> Arg {
        Arg::Text(text)
    }
}

impl From<&str> for Arg {
    fn from(text: &str) -> Arg {
        Arg::Text(text.to_string())
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Arg {
        Arg::Int(n)
    }
}

/// The `WHERE` of a list: conditions joined by `AND`, each with the argument it compares to.
/// Filters a user left blank add no condition.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    conditions: Vec<String>,
    args: Vec<Arg>,
}

impl Filter {
    pub fn new() -> Filter {
        Filter::default()
    }

    /// Adds `condition`, each `?` in it standing for `value` (bound as the next `$n`). The
    /// condition is the code's own text, never a user's: values are only ever bound.
    #[must_use]
    pub fn and(mut self, condition: &str, value: impl Into<Arg>) -> Filter {
        self.args.push(value.into());
        let placeholder = format!("${}", self.args.len());
        self.conditions.push(condition.replace('?', &placeholder));
        self
    }

    /// A condition without an argument (`u.is_admin = 0`).
    #[must_use]
    pub fn and_always(mut self, condition: &str) -> Filter {
        self.conditions.push(condition.to_string());
        self
    }

    /// [`Filter::and`] with the filter's value when the user set it (not blank; trimmed).
    #[must_use]
    pub fn and_set(self, condition: &str, value: Option<&str>) -> Filter {
        match filled(value) {
            Some(value) => self.and(condition, value),
            None => self,
        }
    }

    /// `column` (epoch seconds) within the days of `range`, either end open.
    #[must_use]
    pub fn within(self, column: &str, range: DayRange) -> Filter {
        let mut filter = self;
        if let Some(start) = range.start {
            filter = filter.and(&format!("{column} >= ?"), start);
        }
        if let Some(end) = range.end {
            filter = filter.and(&format!("{column} < ?"), end);
        }
        filter
    }

    /// `WHERE …`, or nothing when there is no condition.
    pub fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// Binds the arguments, in `$n` order, to a query of this filter's SQL.
    pub fn bind<'q, O>(
        &'q self,
        mut query: QueryAs<'q, Any, O, AnyArguments<'q>>,
    ) -> QueryAs<'q, Any, O, AnyArguments<'q>> {
        for arg in &self.args {
            query = match arg {
                Arg::Text(text) => query.bind(text.as_str()),
                Arg::Int(n) => query.bind(*n),
            };
        }
        query
    }
}

/// The value of a text filter the user set: trimmed, `None` when blank.
pub fn filled(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// A list: which rows (`SELECT … FROM …` and a [`Filter`]) in which order.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// `SELECT … FROM … WHERE …` without the order: what is counted.
    rows: String,
    order: String,
    filter: Filter,
}

impl ListQuery {
    /// `select` is `SELECT … FROM …` (joins included, no `WHERE`); `order` is `ORDER BY …`,
    /// ending in a unique column so that pages never overlap.
    pub fn new(select: &str, filter: Filter, order: &str) -> ListQuery {
        ListQuery {
            rows: format!("{select} {}", filter.where_clause()),
            order: order.to_string(),
            filter,
        }
    }

    /// Every matching row, in order (fetch it, or stream it).
    pub fn all<'q, T>(&'q self, sql: &'q str) -> QueryAs<'q, Any, T, AnyArguments<'q>>
    where
        T: for<'r> FromRow<'r, AnyRow>,
    {
        self.filter.bind(sqlx::query_as(sql))
    }

    /// The SQL of [`ListQuery::all`].
    pub fn sql(&self) -> String {
        format!("{} {}", self.rows, self.order)
    }

    /// Page `page` of the list and how many rows match in all.
    pub async fn page<T>(&self, db: &Db, page: PageRequest) -> Result<Page<T>, sqlx::Error>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let count = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM ({}) AS counted",
            self.rows
        );
        let (total,): (i64,) = self.all(&count).fetch_one(db.pool()).await?;
        let next = self.filter.args.len();
        let sql = format!("{} LIMIT ${} OFFSET ${}", self.sql(), next + 1, next + 2);
        let items = self
            .all(&sql)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(db.pool())
            .await?;
        Ok(page.page_of(items, total))
    }
}

/// Inclusive UTC days `from`..`to` (`YYYY-MM-DD`) as epoch seconds `[start, end)`; either end
/// open when its day is blank.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayRange {
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
}

impl DayRange {
    /// 422 naming the field for a date that does not parse, or an end before the start.
    pub fn parse(from: &Option<String>, to: &Option<String>) -> AppResult<DayRange> {
        let start = filled(from.as_deref())
            .map(|d| parse_day("from", d))
            .transpose()?;
        let end = filled(to.as_deref())
            .map(|d| parse_day("to", d).map(|start| start + DAY))
            .transpose()?;
        if let (Some(start), Some(end)) = (start, end) {
            if end <= start {
                return Err(AppError::invalid(
                    "to",
                    "The end date is before the start date.",
                ));
            }
        }
        Ok(DayRange { start, end })
    }
}

/// The epoch second a `YYYY-MM-DD` UTC day starts; 422 naming `field` when it does not parse.
pub fn parse_day(field: &str, value: &str) -> AppResult<Timestamp> {
    Date::parse(value.trim(), format_description!("[year]-[month]-[day]"))
        .map(|date| date.midnight().assume_utc().unix_timestamp())
        .map_err(|_| AppError::invalid(field, "Use a date like 2026-01-31."))
}

/// The `YYYY-MM-DD` of the UTC day `at` falls in.
pub fn day_label(at: Timestamp) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_number_their_arguments_and_skip_blank_filters() {
        let filter = Filter::new()
            .and("account_id = ?", "acc")
            .and_set("kind = ?", Some("usage"))
            .and_set("status = ?", Some("  "))
            .and_set("method = ?", None)
            .and("(actor_email = ? OR actor_id = ?)", "a@b.c")
            .and_always("is_admin = 0");
        assert_eq!(
            filter.where_clause(),
            "WHERE account_id = $1 AND kind = $2 AND (actor_email = $3 OR actor_id = $3) AND is_admin = 0"
        );
        assert_eq!(
            filter.args,
            vec![Arg::from("acc"), Arg::from("usage"), Arg::from("a@b.c")]
        );
        assert_eq!(Filter::new().where_clause(), "");
    }

    #[test]
    fn dates_are_inclusive_utc_days() {
        let range =
            DayRange::parse(&Some("2026-02-27".into()), &Some("2026-03-01".into())).unwrap();
        let (start, end) = (range.start.unwrap(), range.end.unwrap());
        assert_eq!(day_label(start), "2026-02-27");
        assert_eq!((end - start) / DAY, 3);
        let filter = Filter::new().within("created_at", range);
        assert_eq!(
            filter.where_clause(),
            "WHERE created_at >= $1 AND created_at < $2"
        );
        assert_eq!(
            DayRange::parse(&None, &Some(" ".into())).unwrap(),
            DayRange::default()
        );
    }

    #[test]
    fn bad_dates_and_reversed_ranges_are_refused() {
        let bad = DayRange::parse(&Some("31/01/2026".into()), &None).unwrap_err();
        assert_eq!(bad.status(), 422);
        let reversed =
            DayRange::parse(&Some("2026-03-02".into()), &Some("2026-03-01".into())).unwrap_err();
        assert_eq!(reversed.status(), 422);
    }
}
