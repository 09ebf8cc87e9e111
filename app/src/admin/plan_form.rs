//! The server function behind the plan form: one argument per form field, so a plain HTML form
//! posts to it.
// The generated code takes every field as an argument; a form has this many fields.
#![allow(clippy::too_many_arguments)]

use crate::common::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {super::model::PlanInput, crate::auth::identity::require_admin, crate::backend::app_state};

/// The plan form: creates (`id` empty) or edits; prices typed in major units, features one per
/// line, modules as checkboxes.
#[server(endpoint = "admin/save-plan")]
pub async fn admin_save_plan(
    id: String,
    slug: String,
    name: String,
    currency: String,
    price_month: String,
    price_year: String,
    credits_per_period: String,
    limit_sites: String,
    limit_seats: String,
    features: String,
    planner: Option<String>,
    writer: Option<String>,
    automation: Option<String>,
    // Blank: no trial (older forms send none of the three).
    #[server(default)] trial_days: String,
    #[server(default)] trial_credits: String,
    trial_requires_card: Option<String>,
    is_active: Option<String>,
) -> Result<super::model::AdminPlan, AppError> {
    let admin = require_admin().await?;
    let money = |field: &str, text: &str| {
        crate::common::Money::parse_major(text)
            .ok_or_else(|| AppError::invalid(field, "Enter a price like 29.00."))
    };
    let number = |field: &str, text: &str| {
        text.trim()
            .parse::<i64>()
            .map_err(|_| AppError::invalid(field, "Use a whole number."))
    };
    let optional = |field: &str, text: &str| match text.trim() {
        "" => Ok(0),
        _ => number(field, text),
    };
    let modules = [
        ("planner", &planner),
        ("writer", &writer),
        ("automation", &automation),
    ]
    .into_iter()
    .filter(|(_, on)| on.is_some())
    .map(|(m, _)| m.to_string())
    .collect();
    let input = PlanInput {
        slug: slug.trim().to_string(),
        name,
        currency,
        price_month: money("price_month", &price_month)?,
        price_year: money("price_year", &price_year)?,
        credits_per_period: number("credits_per_period", &credits_per_period)?,
        limit_sites: number("limit_sites", &limit_sites)?,
        limit_seats: number("limit_seats", &limit_seats)?,
        modules,
        features: features.lines().map(String::from).collect(),
        trial_days: optional("trial_days", &trial_days)?,
        trial_credits: optional("trial_credits", &trial_credits)?,
        trial_requires_card: trial_requires_card.is_some(),
        is_active: Some(is_active.is_some()),
        sort_order: None,
    };
    let state = app_state()?;
    if id.is_empty() {
        super::plans::create(&state, &admin, input).await
    } else {
        super::plans::update(&state, &admin, &id, input).await
    }
}
