//! Types every slice shares: the error type and money.

pub mod error;
pub mod money;

pub use error::{AppError, ErrorKind};
pub use money::{Currency, Money};

/// The result type of services, server functions and handlers.
pub type AppResult<T> = Result<T, AppError>;
