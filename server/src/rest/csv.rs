//! CSV exports (`?format=csv`): rows are read from the database as the client reads the
//! response (a bounded channel between the query and the body), never collected in memory.

use app::backend::listing::ListQuery;
use app::backend::AppState;
use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use sqlx::any::AnyRow;

/// Rows in flight between the query and the client.
const BUFFERED_ROWS: usize = 64;

/// What a spreadsheet may read as the start of a formula (OWASP's CSV injection list: a tab or
/// carriage return can hide the `=` that follows it).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One field, quoted when it holds a separator, a quote or a line break. A text that a
/// spreadsheet would run as a formula (starting with one of [`FORMULA_STARTS`] and not a
/// number) gets a leading `'`.
pub fn field(value: &str) -> String {
    let formula = value.starts_with(FORMULA_STARTS) && value.parse::<f64>().is_err();
    let value = if formula {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

pub fn line(fields: impl IntoIterator<Item = String>) -> String {
    let mut out = fields
        .into_iter()
        .map(|f| field(&f))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

/// `?format=csv` on a list.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct Format {
    #[serde(default)]
    pub format: Option<String>,
}

impl Format {
    pub fn is_csv(&self) -> bool {
        self.format.as_deref() == Some("csv")
    }
}

/// Streams every row of `list` as a CSV attachment: `header`, then `fields(row)` per row.
pub fn stream<T, F>(
    state: &AppState,
    filename: &str,
    header: &[&str],
    list: ListQuery,
    fields: F,
) -> Response
where
    T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin + 'static,
    F: Fn(T) -> Vec<String> + Send + 'static,
{
    let (sender, receiver) =
        tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(BUFFERED_ROWS);
    let pool = state.db.pool().clone();
    let head = line(header.iter().map(std::string::ToString::to_string));
    tokio::spawn(async move {
        if sender.send(Ok(head)).await.is_err() {
            return;
        }
        let sql = list.sql();
        let mut rows = list.all::<T>(&sql).fetch(&pool);
        while let Some(row) = rows.next().await {
            let chunk = row.map(|row| line(fields(row))).map_err(|e| {
                tracing::error!(error = %e, "CSV export failed mid-way");
                std::io::Error::other("export failed")
            });
            let failed = chunk.is_err();
            // The client went away, or the query failed: stop reading.
            if sender.send(chunk).await.is_err() || failed {
                break;
            }
        }
    });
    // Fused: the compression layer (server/src/assets.rs) polls once more after the end, which
    // an unfused `unfold` answers with a panic.
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    })
    .fuse();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("-200"), "-200", "numbers stay numbers");
        assert_eq!(field("=SUM(A1)"), "'=SUM(A1)", "formulas are defused");
    }

    #[test]
    fn every_formula_start_is_defused() {
        for (text, defused) in [
            ("=1+2", "'=1+2"),
            ("+1+2", "'+1+2"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1+2", "'\t=1+2"),
            ("\r=1+2", "\"'\r=1+2\""),
        ] {
            assert_eq!(field(text), defused, "{text:?}");
        }
        for number in ["-200", "+3.5", "12"] {
            assert_eq!(field(number), number, "numbers stay numbers");
        }
        assert_eq!(field("a\tb"), "a\tb", "only a leading tab is a risk");
        assert_eq!(line(["a".to_string(), "b c".to_string()]), "a,b c\r\n");
    }
}
