//! SQL for accounts and their users.

use super::model::Role;
use super::slug;
use crate::backend::db::is_unique_violation;
use crate::backend::ids::new_id;
use crate::backend::{Db, Timestamp};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct AccountRow {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub password_hash: String,
    pub is_admin: i64,
    pub email_verified_at: Option<Timestamp>,
    pub account_id: String,
    pub role: Role,
    pub created_at: Timestamp,
}

impl UserRow {
    pub fn is_admin(&self) -> bool {
        self.is_admin != 0
    }
}

pub const USER_COLUMNS: &str =
    "id, email, full_name, password_hash, is_admin, email_verified_at, account_id, role, created_at";

/// The owner of a new account.
pub struct NewOwner<'a> {
    pub email: &'a str,
    pub full_name: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
    pub email_verified_at: Option<Timestamp>,
}

#[derive(Debug)]
pub enum CreateError {
    EmailTaken,
    Db(sqlx::Error),
}

impl From<sqlx::Error> for CreateError {
    fn from(e: sqlx::Error) -> Self {
        CreateError::Db(e)
    }
}

/// Concurrent signups with one name can race for the same slug; the loser retries with the
/// next number. Bounded so a pathological case ends in an error, not a loop.
const SLUG_ATTEMPTS: usize = 25;

/// Creates an account and its owner in one transaction, with a slug unique among accounts.
pub async fn create_with_owner(
    db: &Db,
    account_name: &str,
    owner: NewOwner<'_>,
    now: Timestamp,
) -> Result<(AccountRow, UserRow), CreateError> {
    let base = slug::slugify(account_name);
    for _ in 0..SLUG_ATTEMPTS {
        let mut tx = db.begin().await?;
        let taken: Vec<String> =
            sqlx::query_scalar("SELECT slug FROM accounts WHERE slug = $1 OR slug LIKE $2")
                .bind(&base)
                .bind(format!("{base}-%"))
                .fetch_all(&mut *tx)
                .await?;
        let account = AccountRow {
            id: new_id("acct"),
            name: account_name.to_string(),
            slug: slug::first_free(&base, &taken),
            created_at: now,
        };
        let inserted = sqlx::query(
            "INSERT INTO accounts (id, name, slug, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&account.id)
        .bind(&account.name)
        .bind(&account.slug)
        .bind(account.created_at)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e, "accounts_slug_key", "accounts.slug") => {
                tx.rollback().await?;
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        let user = UserRow {
            id: new_id("user"),
            email: owner.email.to_string(),
            full_name: owner.full_name.to_string(),
            password_hash: owner.password_hash.to_string(),
            is_admin: owner.is_admin as i64,
            email_verified_at: owner.email_verified_at,
            account_id: account.id.clone(),
            role: Role::Owner,
            created_at: now,
        };
        let inserted = sqlx::query(
            "INSERT INTO users (id, email, full_name, password_hash, is_admin, email_verified_at, \
             account_id, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(&user.id)
        .bind(&user.email)
        .bind(&user.full_name)
        .bind(&user.password_hash)
        .bind(user.is_admin)
        .bind(user.email_verified_at)
        .bind(&user.account_id)
        .bind(user.role)
        .bind(user.created_at)
        .execute(&mut *tx)
        .await;
        return match inserted {
            Ok(_) => {
                tx.commit().await?;
                Ok((account, user))
            }
            Err(e) if is_unique_violation(&e, "users_email_key", "users.email") => {
                Err(CreateError::EmailTaken)
            }
            Err(e) => Err(e.into()),
        };
    }
    Err(CreateError::Db(sqlx::Error::Protocol(
        "could not find a free account slug".into(),
    )))
}

pub async fn find_user_by_email(db: &Db, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(db.pool())
    .await
}

pub async fn find_user(db: &Db, id: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await
}
