//! Types every slice shares: the error type, money and pages of lists.

pub mod error;
pub mod money;
pub mod paging;
pub mod states;

pub use error::{AppError, ErrorKind};
pub use money::{Currency, Money};
pub use paging::{Page, PageRequest};

/// The result type of services, server functions and handlers.
pub type AppResult<T> = Result<T, AppError>;
