//! The admin area under `/admin`.

pub mod payments_page;
