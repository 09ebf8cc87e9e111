//! Rate limits for the auth endpoints, per IP and per email, kept in the database so that every
//! server instance counts against the same window.

use crate::backend::{Db, Timestamp};
use crate::common::{AppError, ErrorKind};

/// How many attempts a key may make per window.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max_hits: i64,
    pub window_seconds: i64,
}

/// Limits of the auth actions. Per IP is generous (offices share addresses); per email is tight
/// (guessing one account's password).
#[derive(Debug, Clone, Copy)]
pub struct AuthLimits {
    pub per_ip: Limit,
    pub per_email: Limit,
}

impl Default for AuthLimits {
    fn default() -> Self {
        AuthLimits {
            per_ip: Limit {
                max_hits: 30,
                window_seconds: 60,
            },
            per_email: Limit {
                max_hits: 8,
                window_seconds: 60,
            },
        }
    }
}

/// Counts one hit on `bucket`; refuses with 429 `throttled` (and how long to wait) past the limit.
pub async fn hit(db: &Db, bucket: &str, limit: Limit, now: Timestamp) -> Result<(), AppError> {
    // A fixed window: the first hit after the window ended starts a new one.
    let (hits, window_start): (i64, Timestamp) = sqlx::query_as(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
         RETURNING hits, window_start",
    )
    .bind(bucket)
    .bind(now)
    .bind(now - limit.window_seconds)
    .fetch_one(db.writer())
    .await?;
    if hits > limit.max_hits {
        let retry_after_seconds = (window_start + limit.window_seconds - now).max(1) as u64;
        return Err(AppError::new(ErrorKind::Throttled {
            retry_after_seconds,
        }));
    }
    Ok(())
}

/// Checks an auth action against both the caller's IP and the email it names.
pub async fn check_auth_action(
    db: &Db,
    limits: AuthLimits,
    action: &str,
    ip: &str,
    email: Option<&str>,
    now: Timestamp,
) -> Result<(), AppError> {
    hit(db, &format!("{action}:ip:{ip}"), limits.per_ip, now).await?;
    if let Some(email) = email {
        hit(
            db,
            &format!("{action}:email:{}", email.trim().to_lowercase()),
            limits.per_email,
            now,
        )
        .await?;
    }
    Ok(())
}
