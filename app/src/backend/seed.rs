//! Seed data, idempotent: the plan catalogue, credit costs, credit packages and the admin.
//! Rows are inserted only when missing, so an admin's later edits are never overwritten.

use super::{Db, Timestamp};
use crate::accounts::store::{self as accounts, NewOwner};
use crate::auth::email::Email;
use crate::auth::password::{self, Password};
use crate::common::AppError;

struct PlanSeed {
    id: &'static str,
    slug: &'static str,
    name: &'static str,
    price_month: i64,
    price_year: i64,
    credits_per_period: i64,
    sites: i64,
    seats: i64,
    modules: &'static str,
    features: &'static str,
}

const PLANS: &[PlanSeed] = &[
    PlanSeed {
        id: "plan_starter",
        slug: "starter",
        name: "Starter",
        price_month: 2900,
        price_year: 29000,
        credits_per_period: 1000,
        sites: 5,
        seats: 2,
        modules: "planner,writer",
        features: "Keyword Planner\nAI Writer\nEmail support",
    },
    PlanSeed {
        id: "plan_growth",
        slug: "growth",
        name: "Growth",
        price_month: 7900,
        price_year: 79000,
        credits_per_period: 5000,
        sites: 20,
        seats: 5,
        modules: "planner,writer,automation",
        features: "Everything in Starter\nAutomation\nPriority support",
    },
    PlanSeed {
        id: "plan_scale",
        slug: "scale",
        name: "Scale",
        price_month: 19900,
        price_year: 199000,
        credits_per_period: 20000,
        sites: 100,
        seats: 20,
        modules: "planner,writer,automation",
        features: "Everything in Growth\nHigher limits\nDedicated success manager",
    },
];

/// (operation, label, credits, per units, unit label)
const CREDIT_COSTS: &[(&str, &str, i64, i64, &str)] = &[
    (
        "planner.cluster_keywords",
        "Cluster keywords",
        2,
        100,
        "keywords",
    ),
    (
        "writer.generate_outline",
        "Generate an outline",
        5,
        1,
        "outline",
    ),
    (
        "writer.generate_article",
        "Generate an article",
        10,
        1000,
        "words",
    ),
];

/// (id, name, credits, price in cents, featured, sort order)
const PACKAGES: &[(&str, &str, i64, i64, bool, i64)] = &[
    ("pkg_small", "Top-up 500", 500, 1000, false, 1),
    ("pkg_medium", "Top-up 2,500", 2500, 4000, true, 2),
    ("pkg_large", "Top-up 10,000", 10000, 14000, false, 3),
];

pub async fn seed_catalog(db: &Db, now: Timestamp) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for (order, p) in PLANS.iter().enumerate() {
        sqlx::query(
            "INSERT INTO plans (id, slug, name, currency, price_month, price_year, credits_per_period, \
             limit_sites, limit_seats, modules, features, is_active, sort_order, created_at, updated_at) \
             VALUES ($1, $2, $3, 'USD', $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $12) \
             ON CONFLICT (slug) DO NOTHING",
        )
        .bind(p.id)
        .bind(p.slug)
        .bind(p.name)
        .bind(p.price_month)
        .bind(p.price_year)
        .bind(p.credits_per_period)
        .bind(p.sites)
        .bind(p.seats)
        .bind(p.modules)
        .bind(p.features)
        .bind(order as i64)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    for (operation, label, credits, unit_size, unit_label) in CREDIT_COSTS {
        sqlx::query(
            "INSERT INTO credit_costs (operation, label, credits, unit_size, unit_label, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (operation) DO NOTHING",
        )
        .bind(operation)
        .bind(label)
        .bind(credits)
        .bind(unit_size)
        .bind(unit_label)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    for (id, name, credits, price, featured, order) in PACKAGES {
        sqlx::query(
            "INSERT INTO credit_packages (id, name, credits, price, currency, is_active, is_featured, \
             sort_order, created_at, updated_at) VALUES ($1, $2, $3, $4, 'USD', 1, $5, $6, $7, $7) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(name)
        .bind(credits)
        .bind(price)
        .bind(*featured as i64)
        .bind(order)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

#[derive(Debug, PartialEq, Eq)]
pub enum AdminSeed {
    Created,
    AlreadyThere,
}

/// Makes sure an admin with this email exists (with its own account). An existing user keeps
/// its password: seeding never resets credentials.
pub async fn seed_admin(
    db: &Db,
    email: &Email,
    password: Password,
    now: Timestamp,
) -> Result<AdminSeed, AppError> {
    if let Some(user) = accounts::find_user_by_email(db, email.as_str()).await? {
        if !user.is_admin() {
            sqlx::query("UPDATE users SET is_admin = 1, updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&user.id)
                .execute(db.writer())
                .await?;
        }
        return Ok(AdminSeed::AlreadyThere);
    }
    let hash = password::hash(password).await?;
    let owner = NewOwner {
        email: email.as_str(),
        full_name: "Administrator",
        password_hash: &hash,
        is_admin: true,
        email_verified_at: Some(now),
    };
    match accounts::create_with_owner(db, "IGNY8 Admin", owner, now).await {
        Ok(_) => Ok(AdminSeed::Created),
        // Another instance seeded it at the same moment.
        Err(accounts::CreateError::EmailTaken) => Ok(AdminSeed::AlreadyThere),
        Err(accounts::CreateError::Db(e)) => Err(e.into()),
    }
}
