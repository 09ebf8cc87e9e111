//! One metered-operation path for every module: check the plan includes the module, estimate,
//! hold the estimate plus its buffer (402 when the balance does not cover it, before any work),
//! run, settle to the actual cost (or release everything on failure), record the task.

use super::model::{PlannerRequest, TaskStatus, TaskView, WriterRequest, WritingKind};
use super::{ai, planner};
use crate::auth::identity::require_active_plan;
use crate::auth::model::SessionView;
use crate::backend::clock::rfc3339;
use crate::backend::idempotency::EffectKey;
use crate::backend::ids::new_id;
use crate::backend::{AppState, Timestamp, Tx};
use crate::common::{AppError, AppResult, ErrorKind};
use crate::credits::metering::{self, Usage};
use crate::credits::model::with_buffer;

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

/// The metered path. The hold and the task row are written in one transaction, and so are
/// the settlement (or release) and the task's end, so a task is `running` exactly while its
/// hold is open; a crash leaves both, and the hold's expiry ends the task. `effect` keys the
/// task: a retried request gets the task it started instead of running a second one.
async fn run_metered<F>(
    state: &AppState,
    view: &SessionView,
    task: Metered<'_>,
    effect: Option<&EffectKey>,
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
    let account_id = view.account.id.as_str();
    require_module(state, view, module).await?;
    if let Some(site_id) = site_id {
        require_own_site(state, account_id, site_id).await?;
    }
    let task_key = effect.map(|e| e.scoped("task"));
    if let Some(key) = &task_key {
        if let Some(task) = find_by_key(state, account_id, key).await? {
            if task.status != TaskStatus::Running {
                return Ok(task);
            }
            // The effect key is ours only after the claim's lease passed, longer than any
            // request lives: the request that started this task is gone. It ends as
            // interrupted (nothing charged) and this retry runs the work again.
            abandon(state, &task.id, state.clock.now()).await?;
        }
    }
    let cost = metering::cost_of(&state.db, operation).await?;
    let actor = view.user.id.as_str();
    let task_id = new_id("task");
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let hold = metering::hold_in(
        &mut tx,
        account_id,
        actor,
        operation,
        with_buffer(cost.cost_of(estimated_quantity)),
        now,
    )
    .await?;
    sqlx::query(
        "INSERT INTO tasks (id, account_id, user_id, module, operation, status, input, site_id, created_at, hold_id, idempotency_key) \
         VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $8, $9, $10)",
    )
    .bind(&task_id)
    .bind(account_id)
    .bind(actor)
    .bind(module)
    .bind(operation)
    .bind(input.to_string())
    .bind(site_id)
    .bind(now)
    .bind(&hold.id)
    .bind(task_key.as_deref())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    crate::credits::live::publish(state, account_id);
    state.faults.crash_point("tasks.after_hold");
    let produced = work.await;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let outcome = match produced {
        Ok(produced) => {
            let usage = Usage {
                quantity: produced.quantity,
                cost: cost.cost_of(produced.quantity),
                task_id: &task_id,
                site_id,
                actor,
            };
            let charged = metering::settle_in(&mut tx, &hold, usage, now).await?;
            finish(
                &mut tx,
                &task_id,
                Finished::Succeeded(&produced, charged),
                now,
            )
            .await?;
            Ok(())
        }
        Err(error) => {
            metering::release_in(&mut tx, &hold.id, actor, now).await?;
            finish(&mut tx, &task_id, Finished::Failed(error.code()), now).await?;
            Err(error)
        }
    };
    tx.commit().await?;
    crate::credits::live::changed(state, account_id);
    outcome?;
    find(state, account_id, &task_id)
        .await?
        .ok_or_else(|| AppError::internal("task vanished"))
}

/// 422 unless the site is one of the account's own.
async fn require_own_site(state: &AppState, account_id: &str, site_id: &str) -> AppResult<()> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM sites WHERE id = $1 AND account_id = $2")
            .bind(site_id)
            .bind(account_id)
            .fetch_optional(state.db.pool())
            .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(AppError::invalid(
            "site_id",
            "Choose one of your sites, or leave it empty.",
        )),
    }
}

/// How a task ended.
enum Finished<'a> {
    Succeeded(&'a Produced, i64),
    Failed(&'a str),
}

async fn finish(tx: &mut Tx, task_id: &str, how: Finished<'_>, at: Timestamp) -> AppResult<()> {
    let (status, produced, charged, error_code) = match how {
        Finished::Succeeded(produced, charged) => {
            (TaskStatus::Succeeded, Some(produced), charged, None)
        }
        Finished::Failed(code) => (TaskStatus::Failed, None, 0, Some(code)),
    };
    sqlx::query(
        "UPDATE tasks SET status = $2, result = $3, provider = $4, quantity = $5, credits_charged = $6, \
         finished_at = $7, error_code = $8 WHERE id = $1",
    )
    .bind(task_id)
    .bind(status)
    .bind(produced.map(|p| p.result.to_string()))
    .bind(produced.and_then(|p| p.provider.clone()))
    .bind(produced.map(|p| p.quantity).unwrap_or(0))
    .bind(charged)
    .bind(at)
    .bind(error_code)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends a task whose request is gone: its hold given back, `failed` as interrupted, and its
/// idempotency key freed for the retry that runs instead.
async fn abandon(state: &AppState, task_id: &str, at: Timestamp) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let running: Option<(String, Option<String>)> = sqlx::query_as(
        "UPDATE tasks SET idempotency_key = NULL WHERE id = $1 AND status = 'running' \
         RETURNING account_id, hold_id",
    )
    .bind(task_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((account_id, Some(hold_id))) = running else {
        tx.commit().await?;
        return Ok(());
    };
    metering::release_in(&mut tx, &hold_id, "system", at).await?;
    fail_interrupted(&mut tx, &hold_id, at).await?;
    tx.commit().await?;
    crate::credits::live::publish(state, &account_id);
    Ok(())
}

/// What a task cut off by a crash reads as.
pub const INTERRUPTED: &str = "interrupted";

/// Ends the running task of an expired hold as failed, nothing charged (inside the expiry's
/// transaction).
pub async fn fail_interrupted(
    tx: &mut Tx,
    hold_id: &str,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tasks SET status = 'failed', credits_charged = 0, finished_at = $2, error_code = $3 \
         WHERE hold_id = $1 AND status = 'running'",
    )
    .bind(hold_id)
    .bind(at)
    .bind(INTERRUPTED)
    .execute(&mut **tx)
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
    effect: Option<&EffectKey>,
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
        effect,
        work,
    )
    .await
}

/// What to write and the words asked for, or 422.
pub fn writer_plan(request: &WriterRequest) -> AppResult<(WritingKind, i64)> {
    if request.keyword.trim().is_empty() || request.keyword.chars().count() > 200 {
        return Err(AppError::invalid(
            "keyword",
            "Enter a keyword or topic (up to 200 characters).",
        ));
    }
    match request.kind.parse() {
        Ok(WritingKind::Outline) => Ok((WritingKind::Outline, 1)),
        Ok(WritingKind::Article) => {
            let words = request.words.unwrap_or(DEFAULT_ARTICLE_WORDS);
            if !(100..=3000).contains(&words) {
                return Err(AppError::invalid(
                    "words",
                    "Choose a length from 100 to 3,000 words.",
                ));
            }
            Ok((WritingKind::Article, words))
        }
        Err(_) => Err(AppError::invalid("kind", "Choose outline or article.")),
    }
}

pub async fn run_writer(
    state: &AppState,
    view: &SessionView,
    request: WriterRequest,
    effect: Option<&EffectKey>,
) -> AppResult<TaskView> {
    let (kind, quantity) = writer_plan(&request)?;
    let operation = kind.operation();
    let keyword = request.keyword.trim().to_string();
    let input = serde_json::json!({ "kind": kind, "keyword": keyword, "words": quantity });
    let work = async {
        let (system, max_words) = if kind == WritingKind::Outline {
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
            quantity: if kind == WritingKind::Outline {
                1
            } else {
                words.max(1)
            },
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
        effect,
        work,
    )
    .await
}

/// Tasks left `running` from before tasks knew their hold (`hold_id` NULL), started before
/// `before`: cut off by a crash, their holds long expired. They end as failed, nothing charged.
/// (A task with a hold ends with it, in `metering::expire_holds`.) Run by the scheduler.
pub async fn fail_orphaned(state: &AppState, before: Timestamp) -> AppResult<u64> {
    let done = sqlx::query(
        "UPDATE tasks SET status = 'failed', credits_charged = 0, finished_at = $2, error_code = $3 \
         WHERE status = 'running' AND hold_id IS NULL AND created_at < $1",
    )
    .bind(before)
    .bind(state.clock.now())
    .bind(INTERRUPTED)
    .execute(state.db.writer())
    .await?;
    Ok(done.rows_affected())
}

const TASK_VIEW: &str =
    "SELECT id, module, operation, status, credits_charged, result, provider, created_at FROM tasks";

/// A task as [`TASK_VIEW`] reads it.
#[derive(sqlx::FromRow)]
struct TaskRow {
    id: String,
    module: String,
    operation: String,
    status: TaskStatus,
    credits_charged: i64,
    /// JSON text.
    result: Option<String>,
    provider: Option<String>,
    created_at: Timestamp,
}

impl From<TaskRow> for TaskView {
    fn from(row: TaskRow) -> Self {
        TaskView {
            id: row.id,
            module: row.module,
            operation: row.operation,
            status: row.status,
            credits_charged: row.credits_charged,
            result: row.result.and_then(|r| serde_json::from_str(&r).ok()),
            provider: row.provider,
            created_at: rfc3339(row.created_at),
        }
    }
}

pub async fn find(state: &AppState, account_id: &str, id: &str) -> AppResult<Option<TaskView>> {
    let row =
        sqlx::query_as::<_, TaskRow>(&format!("{TASK_VIEW} WHERE account_id = $1 AND id = $2"))
            .bind(account_id)
            .bind(id)
            .fetch_optional(state.db.pool())
            .await?;
    Ok(row.map(TaskView::from))
}

/// The task a request with this effect key started, if one did.
async fn find_by_key(state: &AppState, account_id: &str, key: &str) -> AppResult<Option<TaskView>> {
    let row = sqlx::query_as::<_, TaskRow>(&format!(
        "{TASK_VIEW} WHERE account_id = $1 AND idempotency_key = $2"
    ))
    .bind(account_id)
    .bind(key)
    .fetch_optional(state.db.pool())
    .await?;
    Ok(row.map(TaskView::from))
}
