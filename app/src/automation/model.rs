//! Automation jobs as API clients and the browser see them.

use crate::common::states::text_enum;
use crate::modules::model::WritingKind;
use serde::{Deserialize, Serialize};

text_enum! {
    /// Where an automation job is: queued until a scheduler pass runs it.
    pub enum JobStatus {
        Queued = "queued",
        Running = "running",
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

/// At most this many jobs (sites × keywords) in one request.
pub const MAX_JOBS_PER_BATCH: usize = 50;

/// `POST /api/v1/automation/jobs/`: every keyword for every listed site (all sites when empty).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QueueRequest {
    /// `outline` or `article`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub words: Option<i64>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub site_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct JobView {
    pub id: String,
    pub batch_id: String,
    pub site_id: String,
    pub site_name: String,
    pub kind: WritingKind,
    pub keyword: String,
    pub status: JobStatus,
    pub task_id: Option<String>,
    pub credits_charged: i64,
    /// Why it failed, as an error code (`insufficient_credits`, …) and a sentence.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: String,
}

impl JobView {
    pub fn is_finished(&self) -> bool {
        matches!(self.status, JobStatus::Succeeded | JobStatus::Failed)
    }
}

/// Progress of a list of jobs: finished out of all, as the page's bar shows it.
pub fn progress(jobs: &[JobView]) -> (usize, usize) {
    (jobs.iter().filter(|j| j.is_finished()).count(), jobs.len())
}

/// One keyword per line, trimmed, blanks and repeats dropped.
pub fn keyword_lines(text: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !seen.iter().any(|s: &String| s.eq_ignore_ascii_case(line)) {
            seen.push(line.to_string());
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_one_per_line_without_repeats() {
        assert_eq!(
            keyword_lines("  trail shoes\n\nTrail Shoes\nroad bikes \n"),
            ["trail shoes", "road bikes"]
        );
    }
}
