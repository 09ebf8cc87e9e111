//! Queue Writer jobs for the account's sites and run them one after another in the background.
//! Each job claims itself (`queued` → `running`) with a conditional update, so with several
//! server instances it still runs once; its task is an ordinary Writer task with its own credit
//! hold, so a job that the balance no longer covers fails with `insufficient_credits` and
//! spends nothing.

use super::model::{JobStatus, JobView, QueueRequest, MAX_JOBS_PER_BATCH};
use crate::auth::model::SessionView;
use crate::backend::clock::{rfc3339, Timestamp};
use crate::backend::ids::new_id;
use crate::backend::AppState;
use crate::common::{AppError, AppResult};
use crate::modules::model::WriterRequest;
use crate::modules::model::WritingKind;
use crate::modules::tasks::{require_module, run_writer, writer_plan};

/// A job running longer than this was cut off by a crash or a restart; its hold expires on its
/// own, so marking it failed can never charge twice.
const INTERRUPTED_AFTER_SECONDS: i64 = 15 * 60;

const JOB_COLUMNS: &str = "id, batch_id, site_id, site_name, kind, keyword, status, task_id, \
     credits_charged, error_code, error_message, created_at";

/// A job as [`JOB_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
struct JobRow {
    id: String,
    batch_id: String,
    site_id: String,
    site_name: String,
    kind: WritingKind,
    keyword: String,
    status: JobStatus,
    task_id: Option<String>,
    credits_charged: i64,
    error_code: Option<String>,
    error_message: Option<String>,
    created_at: Timestamp,
}

impl From<JobRow> for JobView {
    fn from(row: JobRow) -> Self {
        JobView {
            id: row.id,
            batch_id: row.batch_id,
            site_id: row.site_id,
            site_name: row.site_name,
            kind: row.kind,
            keyword: row.keyword,
            status: row.status,
            task_id: row.task_id,
            credits_charged: row.credits_charged,
            error_code: row.error_code,
            error_message: row.error_message,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// The account's latest jobs, newest batch first, each batch in queue order.
pub async fn list(state: &AppState, view: &SessionView) -> AppResult<Vec<JobView>> {
    require_module(state, view, "automation").await?;
    let rows = sqlx::query_as::<_, JobRow>(&format!(
        "SELECT {JOB_COLUMNS} FROM automation_jobs WHERE account_id = $1 \
         ORDER BY created_at DESC, batch_id, position LIMIT 200"
    ))
    .bind(&view.account.id)
    .fetch_all(state.db.pool())
    .await?;
    Ok(rows.into_iter().map(JobView::from).collect())
}

/// The sites the request names (all of the account's when it names none), with their names.
async fn chosen_sites(
    state: &AppState,
    account_id: &str,
    site_ids: &[String],
) -> AppResult<Vec<(String, String)>> {
    let all: Vec<(String, String)> =
        sqlx::query_as("SELECT id, name FROM sites WHERE account_id = $1 ORDER BY created_at, id")
            .bind(account_id)
            .fetch_all(state.db.pool())
            .await?;
    if all.is_empty() {
        return Err(AppError::invalid(
            "site_ids",
            "Add a site first: jobs are queued for sites.",
        ));
    }
    if site_ids.is_empty() {
        return Ok(all);
    }
    if site_ids
        .iter()
        .any(|id| !all.iter().any(|(site, _)| site == id))
    {
        return Err(AppError::invalid(
            "site_ids",
            "Choose among this account's sites.",
        ));
    }
    Ok(all
        .into_iter()
        .filter(|(id, _)| site_ids.contains(id))
        .collect())
}

/// Queues every keyword for every chosen site and starts running them. Returns the new batch.
pub async fn queue(
    state: &AppState,
    view: &SessionView,
    request: QueueRequest,
) -> AppResult<Vec<JobView>> {
    require_module(state, view, "automation").await?;
    let keywords = super::model::keyword_lines(&request.keywords.join("\n"));
    if keywords.is_empty() {
        return Err(AppError::invalid(
            "keywords",
            "Enter at least one keyword, one per line.",
        ));
    }
    for keyword in &keywords {
        // The Writer's own rules for kind, keyword and length, before anything is queued.
        writer_plan(&WriterRequest {
            kind: request.kind.clone(),
            keyword: keyword.clone(),
            words: request.words,
            site_id: None,
        })?;
    }
    let sites = chosen_sites(state, &view.account.id, &request.site_ids).await?;
    if sites.len() * keywords.len() > MAX_JOBS_PER_BATCH {
        return Err(AppError::invalid(
            "keywords",
            format!("Queue at most {MAX_JOBS_PER_BATCH} jobs at a time (sites × keywords)."),
        ));
    }
    let words = matches!(request.kind.parse(), Ok(WritingKind::Article)).then(|| {
        request
            .words
            .unwrap_or(crate::modules::model::DEFAULT_ARTICLE_WORDS)
    });
    let batch_id = new_id("batch");
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let mut position = 0_i64;
    for (site_id, site_name) in &sites {
        for keyword in &keywords {
            sqlx::query(
                "INSERT INTO automation_jobs (id, batch_id, account_id, user_id, site_id, site_name, kind, \
                 keyword, words, status, created_at, position) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10, $11)",
            )
            .bind(new_id("job"))
            .bind(&batch_id)
            .bind(&view.account.id)
            .bind(&view.user.id)
            .bind(site_id)
            .bind(site_name)
            .bind(&request.kind)
            .bind(keyword)
            .bind(words)
            .bind(now)
            .bind(position)
            .execute(&mut *tx)
            .await?;
            position += 1;
        }
    }
    tx.commit().await?;
    spawn_runner(state.clone(), view.account.id.clone());
    let rows = sqlx::query_as::<_, JobRow>(&format!(
        "SELECT {JOB_COLUMNS} FROM automation_jobs WHERE batch_id = $1 ORDER BY position"
    ))
    .bind(&batch_id)
    .fetch_all(state.db.pool())
    .await?;
    Ok(rows.into_iter().map(JobView::from).collect())
}

/// Runs the account's queued jobs in the background, after the request that queued them.
fn spawn_runner(state: AppState, account_id: String) {
    tokio::spawn(async move {
        if let Err(e) = run_queued(&state, Some(&account_id)).await {
            tracing::error!(error = %e.message, "automation jobs stopped");
        }
    });
}

/// Runs queued jobs, oldest first, until none is left (of one account, or of all). Returns how
/// many this call ran.
pub async fn run_queued(state: &AppState, account_id: Option<&str>) -> AppResult<usize> {
    let mut ran = 0;
    loop {
        let next: Option<String> = sqlx::query_scalar(
            "SELECT id FROM automation_jobs WHERE status = 'queued' \
             AND ($1 = '' OR account_id = $1) ORDER BY created_at, batch_id, position LIMIT 1",
        )
        .bind(account_id.unwrap_or(""))
        .fetch_optional(state.db.pool())
        .await?;
        let Some(id) = next else { return Ok(ran) };
        if claim(state, &id).await? {
            run_job(state, &id).await?;
            ran += 1;
        }
    }
}

async fn claim(state: &AppState, id: &str) -> AppResult<bool> {
    let claimed = sqlx::query(
        "UPDATE automation_jobs SET status = 'running', started_at = $2 WHERE id = $1 AND status = 'queued'",
    )
    .bind(id)
    .bind(state.clock.now())
    .execute(state.db.writer())
    .await?
    .rows_affected();
    Ok(claimed == 1)
}

/// What a claimed job runs, and for whom.
#[derive(sqlx::FromRow)]
struct QueuedJobRow {
    account_id: String,
    user_id: String,
    site_id: String,
    kind: WritingKind,
    keyword: String,
    words: Option<i64>,
}

async fn run_job(state: &AppState, id: &str) -> AppResult<()> {
    let job = sqlx::query_as::<_, QueuedJobRow>(
        "SELECT account_id, user_id, site_id, kind, keyword, words FROM automation_jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_one(state.db.pool())
    .await?;
    let request = WriterRequest {
        kind: job.kind.to_string(),
        keyword: job.keyword,
        words: job.words,
        site_id: Some(job.site_id),
    };
    let view = crate::auth::store::load_user_view(&state.db, &job.user_id, state.clock.now())
        .await?
        .filter(|view| view.account.id == job.account_id);
    let outcome = match view {
        Some(view) => run_writer(state, &view, request, None).await,
        None => Err(AppError::with_message(
            crate::common::ErrorKind::Forbidden,
            "The person who queued this job is no longer on the team.",
        )),
    };
    let now = state.clock.now();
    let finished = match &outcome {
        Ok(task) => sqlx::query(
            "UPDATE automation_jobs SET status = 'succeeded', task_id = $2, credits_charged = $3, finished_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(&task.id)
        .bind(task.credits_charged)
        .bind(now),
        Err(error) => sqlx::query(
            "UPDATE automation_jobs SET status = 'failed', error_code = $2, error_message = $3, finished_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(error.code())
        .bind(crate::ui::errors::message(error))
        .bind(now),
    };
    finished.execute(state.db.writer()).await?;
    Ok(())
}

/// Marks jobs that have been running too long as failed (a crash or restart cut them off).
pub async fn fail_interrupted(state: &AppState, now: Timestamp) -> AppResult<u64> {
    let failed = sqlx::query(
        "UPDATE automation_jobs SET status = 'failed', error_code = 'interrupted', \
         error_message = 'The job was interrupted. Queue it again.', finished_at = $1 \
         WHERE status = 'running' AND started_at < $2",
    )
    .bind(now)
    .bind(now - INTERRUPTED_AFTER_SECONDS)
    .execute(state.db.writer())
    .await?
    .rows_affected();
    Ok(failed)
}
