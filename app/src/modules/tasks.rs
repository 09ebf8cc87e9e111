//! One metered-operation path for every module: check the plan includes the module, estimate,
//! hold the estimate plus its buffer (402 when the balance does not cover it, before any work),
//! run, settle to the actual cost (or release everything on failure), record the task.

use super::model::{PlannerRequest, TaskView, WriterRequest};
use super::{ai, planner};
use crate::auth::identity::require_active_plan;
use crate::auth::model::SessionView;
use crate::backend::clock::rfc3339;
use crate::backend::ids::new_id;
use crate::backend::AppState;
use crate::common::{AppError, AppResult, ErrorKind};
use crate::credits::metering::{self, Usage};
use crate::credits::model::with_buffer;
use sqlx::Row;

pub const MAX_KEYWORDS: usize = 5_000;
pub use super::model::DEFAULT_ARTICLE_WORDS;
/// An outline is charged as one unit, whatever its length.
const OUTLINE_WORDS: i64 = 250;

/// What a module's work produced: units used, the result, and who produced it.
struct Produced {
    quantity: i64,
    result: serde_json::Value,
    provider: Option<String>,
}

/// 403 `module_not_in_plan` unless the account's plan includes `module`.
pub async fn require_module(state: &AppState, view: &SessionView, module: &str) -> AppResult<()> {
    require_active_plan(view)?;
    let modules: Option<String> = sqlx::query_scalar(
        "SELECT p.modules FROM subscriptions s JOIN plans p ON p.id = s.plan_id \
         WHERE s.account_id = $1 AND s.status IN ('active', 'trialing', 'past_due')",
    )
    .bind(&view.account.id)
    .fetch_optional(state.db.pool())
    .await?;
    let included = modules
        .unwrap_or_default()
        .split(',')
        .any(|m| m.trim() == module);
    if included {
        Ok(())
    } else {
        // A read-only transaction: no writer lock for a lookup.
        let mut tx = state.db.pool().begin().await?;
        let upgrade_url = crate::limits::service::upgrade_url_for(
            &mut tx,
            crate::limits::service::Wall::Module(module),
        )
        .await?;
        tx.commit().await?;
        Err(AppError::new(ErrorKind::ModuleNotInPlan {
            module: module.to_string(),
            upgrade_url,
        }))
    }
}

/// What a module asks the metered path to run.
struct Metered<'a> {
    module: &'a str,
    operation: &'a str,
    /// Units the estimate (and so the hold) is based on.
    estimated_quantity: i64,
    input: serde_json::Value,
    site_id: Option<&'a str>,
}

async fn run_metered<F>(
    state: &AppState,
    view: &SessionView,
    task: Metered<'_>,
    work: F,
) -> AppResult<TaskView>
where
    F: std::future::Future<Output = AppResult<Produced>>,
{
    let Metered {
        module,
        operation,
        estimated_quantity,
        input,
        site_id,
    } = task;
    require_module(state, view, module).await?;
    let cost = metering::cost_of(&state.db, operation).await?;
    let actor = view.user.id.as_str();
    let hold = metering::place_hold(
        state,
        &view.account.id,
        actor,
        operation,
        with_buffer(cost.cost_of(estimated_quantity)),
    )
    .await?;
    let task_id = new_id("task");
    let now = state.clock.now();
    sqlx::query(
        "INSERT INTO tasks (id, account_id, user_id, module, operation, status, input, site_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $8)",
    )
    .bind(&task_id)
    .bind(&view.account.id)
    .bind(actor)
    .bind(module)
    .bind(operation)
    .bind(input.to_string())
    .bind(site_id)
    .bind(now)
    .execute(state.db.writer())
    .await?;
    match work.await {
        Ok(produced) => {
            let charged = metering::settle(
                state,
                &hold,
                Usage {
                    quantity: produced.quantity,
                    cost: cost.cost_of(produced.quantity),
                    task_id: &task_id,
                    site_id,
                    actor,
                },
            )
            .await?;
            finish(state, &task_id, "succeeded", Some(&produced), charged).await?;
        }
        Err(error) => {
            metering::release(state, &hold, actor).await?;
            finish(state, &task_id, "failed", None, 0).await?;
            return Err(error);
        }
    }
    crate::credits::live::changed(state, &view.account.id);
    find(state, &view.account.id, &task_id)
        .await?
        .ok_or_else(|| AppError::internal("task vanished"))
}

async fn finish(
    state: &AppState,
    task_id: &str,
    status: &str,
    produced: Option<&Produced>,
    charged: i64,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE tasks SET status = $2, result = $3, provider = $4, quantity = $5, credits_charged = $6, finished_at = $7 \
         WHERE id = $1",
    )
    .bind(task_id)
    .bind(status)
    .bind(produced.map(|p| p.result.to_string()))
    .bind(produced.and_then(|p| p.provider.clone()))
    .bind(produced.map(|p| p.quantity).unwrap_or(0))
    .bind(charged)
    .bind(state.clock.now())
    .execute(state.db.writer())
    .await?;
    Ok(())
}

pub fn planner_keywords(request: &PlannerRequest) -> AppResult<Vec<String>> {
    let keywords = planner::parse_keywords(&request.keywords.join("\n"));
    if keywords.is_empty() {
        return Err(AppError::invalid("keywords", "Paste at least one keyword."));
    }
    if keywords.len() > MAX_KEYWORDS {
        return Err(AppError::invalid(
            "keywords",
            format!("Paste at most {MAX_KEYWORDS} keywords at a time."),
        ));
    }
    Ok(keywords)
}

pub async fn run_planner(
    state: &AppState,
    view: &SessionView,
    request: PlannerRequest,
) -> AppResult<TaskView> {
    let keywords = planner_keywords(&request)?;
    let count = keywords.len() as i64;
    let input = serde_json::json!({ "keywords": keywords });
    let work = async {
        let clusters = planner::cluster(&keywords);
        Ok(Produced {
            quantity: count,
            result: serde_json::json!({ "clusters": clusters }),
            provider: None,
        })
    };
    run_metered(
        state,
        view,
        Metered {
            module: "planner",
            operation: "planner.cluster_keywords",
            estimated_quantity: count,
            input,
            site_id: request.site_id.as_deref(),
        },
        work,
    )
    .await
}

/// The operation and the words asked for, or 422.
pub fn writer_plan(request: &WriterRequest) -> AppResult<(&'static str, i64)> {
    if request.keyword.trim().is_empty() || request.keyword.chars().count() > 200 {
        return Err(AppError::invalid(
            "keyword",
            "Enter a keyword or topic (up to 200 characters).",
        ));
    }
    match request.kind.as_str() {
        "outline" => Ok(("writer.generate_outline", 1)),
        "article" => {
            let words = request.words.unwrap_or(DEFAULT_ARTICLE_WORDS);
            if !(100..=3000).contains(&words) {
                return Err(AppError::invalid(
                    "words",
                    "Choose a length from 100 to 3,000 words.",
                ));
            }
            Ok(("writer.generate_article", words))
        }
        _ => Err(AppError::invalid("kind", "Choose outline or article.")),
    }
}

pub async fn run_writer(
    state: &AppState,
    view: &SessionView,
    request: WriterRequest,
) -> AppResult<TaskView> {
    let (operation, quantity) = writer_plan(&request)?;
    let keyword = request.keyword.trim().to_string();
    let kind = request.kind.clone();
    let input = serde_json::json!({ "kind": kind, "keyword": keyword, "words": quantity });
    let work = async {
        let (system, max_words) = if kind == "outline" {
            (
                "Write a blog post outline: a title and 6-10 section headings with one-line notes.",
                OUTLINE_WORDS,
            )
        } else {
            (
                "Write a helpful, well-structured blog article in Markdown.",
                quantity,
            )
        };
        let text = state.ai.complete(system, &keyword, max_words).await?;
        let words = ai::count_words(&text);
        Ok(Produced {
            // An outline is one unit; an article is charged by the words it really has.
            quantity: if kind == "outline" { 1 } else { words.max(1) },
            result: serde_json::json!({ "kind": kind, "keyword": keyword, "text": text, "words": words }),
            provider: Some(state.ai.name()),
        })
    };
    run_metered(
        state,
        view,
        Metered {
            module: "writer",
            operation,
            estimated_quantity: quantity,
            input,
            site_id: request.site_id.as_deref(),
        },
        work,
    )
    .await
}

pub async fn find(state: &AppState, account_id: &str, id: &str) -> AppResult<Option<TaskView>> {
    let row = sqlx::query(
        "SELECT id, module, operation, status, credits_charged, result, provider, created_at FROM tasks \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(account_id)
    .bind(id)
    .fetch_optional(state.db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let result: Option<String> = row.try_get("result")?;
    Ok(Some(TaskView {
        id: row.try_get("id")?,
        module: row.try_get("module")?,
        operation: row.try_get("operation")?,
        status: row.try_get("status")?,
        credits_charged: row.try_get("credits_charged")?,
        result: result.and_then(|r| serde_json::from_str(&r).ok()),
        provider: row.try_get("provider")?,
        created_at: rfc3339(row.try_get("created_at")?),
    }))
}
