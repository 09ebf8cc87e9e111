//! Pages of a list: which page a client asked for, and the page it gets back (docs/api.md shapes
//! every list so). Page numbers come from clients (`?page=`, the pager's links), so they are
//! bounded here, once: the row offset `(page - 1) × size` of a bounded page cannot overflow.

use super::{AppError, AppResult};
use serde::{Deserialize, Serialize};

/// The highest page number served. A list this long does not exist; the bound only keeps the
/// offset arithmetic (and the SQL `OFFSET`) far from `i64::MAX`.
pub const MAX_PAGE: i64 = 1_000_000;

/// A 1-based page number and a page size, both in range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: i64,
    size: i64,
}

impl PageRequest {
    /// For the UI's links and forms: a page out of range is the nearest one that is not.
    pub fn clamped(page: i64, size: i64) -> PageRequest {
        PageRequest {
            page: page.clamp(1, MAX_PAGE),
            size: size.max(1),
        }
    }

    /// For the API (`?page=&page_size=`): absent numbers take their defaults (page 1), and a
    /// number that is not a whole number in range is refused (422 naming the field).
    pub fn from_query(
        page: Option<&str>,
        page_size: Option<&str>,
        default_size: i64,
        max_size: i64,
    ) -> AppResult<PageRequest> {
        Ok(PageRequest {
            page: number("page", page, 1, MAX_PAGE)?,
            size: number("page_size", page_size, default_size, max_size)?,
        })
    }

    pub fn page(&self) -> i64 {
        self.page
    }

    pub fn limit(&self) -> i64 {
        self.size
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.size)
    }

    pub fn page_of<T>(&self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            page: self.page,
            page_size: self.size,
            total,
        }
    }
}

fn number(field: &str, raw: Option<&str>, default: i64, max: i64) -> AppResult<i64> {
    let Some(raw) = raw else {
        return Ok(default);
    };
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| AppError::invalid(field, format!("Must be a whole number from 1 to {max}.")))
}

/// A page of a list, as docs/api.md shapes every list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub page_size: i64,
    pub total: i64,
}

impl<T> Page<T> {
    /// The same page of other items (rows read from the database → the views the API shows).
    pub fn map<U>(self, convert: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(convert).collect(),
            page: self.page,
            page_size: self.page_size,
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_page_a_client_sends_has_an_offset() {
        for page in [i64::MIN, -1, 0, 1, 2, MAX_PAGE, MAX_PAGE + 1, i64::MAX] {
            let request = PageRequest::clamped(page, 25);
            assert!((1..=MAX_PAGE).contains(&request.page()), "{page}");
            assert!(request.offset() >= 0, "{page}");
        }
        assert_eq!(PageRequest::clamped(0, 25).offset(), 0);
        assert_eq!(PageRequest::clamped(3, 25).offset(), 50);
        assert_eq!(
            PageRequest::clamped(i64::MAX, 25).offset(),
            (MAX_PAGE - 1) * 25
        );
        // Even a size no caller uses cannot overflow.
        assert_eq!(PageRequest::clamped(MAX_PAGE, i64::MAX).offset(), i64::MAX);
    }

    #[test]
    fn the_api_refuses_pages_out_of_range() {
        let request = PageRequest::from_query(Some("2"), None, 50, 200).unwrap();
        assert_eq!(
            (request.page(), request.limit(), request.offset()),
            (2, 50, 50)
        );
        let max = MAX_PAGE.to_string();
        assert!(PageRequest::from_query(Some(&max), Some("200"), 50, 200).is_ok());
        for (page, size) in [
            ("0", "50"),
            ("-1", "50"),
            ("9223372036854775807", "50"),
            ("99999999999999999999", "50"),
            ("1000001", "50"),
            ("x", "50"),
            ("1", "0"),
            ("1", "201"),
        ] {
            let refused = PageRequest::from_query(Some(page), Some(size), 50, 200).unwrap_err();
            assert_eq!(refused.status(), 422, "{page} {size}");
        }
    }
}
