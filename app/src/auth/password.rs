//! Passwords: parsed (length, not a common password), hashed with argon2id at OWASP's
//! parameters on the blocking pool under a concurrency cap, and never printed or serialized.

use crate::common::AppError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::fmt;
use std::sync::OnceLock;
use tokio::sync::Semaphore;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// Passwords that pass the length rule but that attackers try first.
const COMMON: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789012",
    "0123456789",
    "0987654321",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "qwertyuiop",
    "qwerty12345",
    "qwerty123456",
    "password12",
    "password123",
    "password1234",
    "passw0rd123",
    "iloveyou123",
    "abcdefghij",
    "abc1234567",
    "aaaaaaaaaa",
    "letmein123",
    "welcome123",
    "changeme123",
    "administrator",
    "football123",
    "baseball123",
    "princess123",
    "sunshine123",
    "trustno1234",
    "monkey12345",
    "dragon12345",
    "superman123",
];

/// A candidate password that satisfies the rules. Deliberately not `Display`/`Serialize`.
pub struct Password(String);

impl Password {
    /// Checks the rules for a new password; returns the problem as a user-facing sentence.
    pub fn parse(raw: String) -> Result<Password, String> {
        let chars = raw.chars().count();
        if chars < MIN_LEN {
            return Err(format!("Use at least {MIN_LEN} characters."));
        }
        if chars > MAX_LEN {
            return Err(format!("Use at most {MAX_LEN} characters."));
        }
        let lowered = raw.to_lowercase();
        if COMMON.contains(&lowered.as_str()) {
            return Err("This password is too common; choose another.".into());
        }
        Ok(Password(raw))
    }

    /// A password typed at login: no rules beyond the maximum length (long inputs would only
    /// burn CPU in the hash).
    pub fn for_login(raw: String) -> Option<Password> {
        (raw.chars().count() <= MAX_LEN).then_some(Password(raw))
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// OWASP's argon2id recommendation: m = 19 MiB, t = 2, p = 1.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// At most this many hashes run at once, so a burst of logins queues instead of exhausting
/// memory (each hash holds 19 MiB) or starving the blocking pool.
fn hash_permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Semaphore::new(cores.max(2))
    })
}

async fn on_blocking_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _permit = hash_permits().acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(AppError::internal)
}

pub async fn hash(password: Password) -> Result<String, AppError> {
    on_blocking_pool(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        hasher()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await?
    .map_err(AppError::internal)
}

/// Verifies against the stored hash, or — for an unknown user — against a dummy hash of the
/// same cost, so the response time does not tell whether the email exists.
pub async fn verify(password: Password, stored_hash: Option<String>) -> Result<bool, AppError> {
    let known = stored_hash.is_some();
    let stored = stored_hash.unwrap_or_else(|| dummy_hash().to_string());
    on_blocking_pool(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        hasher()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok()
            && known
    })
    .await
}

/// A hash of a random password with the real parameters, made once.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let random = uuid::Uuid::new_v4().to_string();
        hasher()
            .hash_password(random.as_bytes(), &salt)
            .expect("hashing a random password")
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(Password::parse("short".into()).is_err());
        assert!(Password::parse("x".repeat(129)).is_err());
        assert!(
            Password::parse("Password123".into()).is_err(),
            "common, any case"
        );
        assert!(Password::parse("correct horse battery".into()).is_ok());
        assert!(Password::parse("ünïcødé-pass".into()).is_ok());
    }

    #[test]
    fn debug_is_redacted() {
        let p = Password::parse("correct horse battery".into()).unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[tokio::test]
    async fn hashes_verify_and_unknown_users_fail() {
        let stored = hash(Password::parse("correct horse battery".into()).unwrap())
            .await
            .unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let ok = verify(
            Password::for_login("correct horse battery".into()).unwrap(),
            Some(stored.clone()),
        );
        assert!(ok.await.unwrap());
        let wrong = verify(
            Password::for_login("wrong horse battery".into()).unwrap(),
            Some(stored),
        );
        assert!(!wrong.await.unwrap());
        let unknown = verify(
            Password::for_login("correct horse battery".into()).unwrap(),
            None,
        );
        assert!(!unknown.await.unwrap());
    }
}
