//! Module tasks as API clients and the browser see them.

use crate::common::states::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// What the Writer writes.
    pub enum WritingKind { Outline = "outline", Article = "article" }
}

impl WritingKind {
    /// The metered operation that prices it (`credits::metering`).
    pub fn operation(self) -> &'static str {
        match self {
            WritingKind::Outline => "writer.generate_outline",
            WritingKind::Article => "writer.generate_article",
        }
    }
}

text_enum! {
    /// Where a module task is: it runs inside its request, holding its credits until it ends.
    pub enum TaskStatus { Running = "running", Succeeded = "succeeded", Failed = "failed" }
}

/// The Writer's article length when none is asked for.
pub const DEFAULT_ARTICLE_WORDS: i64 = 800;
/// The name of the built-in provider used when no AI service is configured.
pub const OFFLINE_PROVIDER: &str = "offline templates";

/// `POST /api/v1/planner/tasks/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlannerRequest {
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub site_id: Option<String>,
}

/// `POST /api/v1/writer/tasks/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WriterRequest {
    /// `outline` or `article`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub keyword: String,
    /// Article length asked for (default 800, 100–3000).
    #[serde(default)]
    pub words: Option<i64>,
    #[serde(default)]
    pub site_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TaskView {
    pub id: String,
    pub module: String,
    pub operation: String,
    pub status: TaskStatus,
    pub credits_charged: i64,
    /// Planner: `{clusters: [{name, keywords}]}`; Writer: `{kind, keyword, text, words}`.
    pub result: Option<serde_json::Value>,
    /// What produced the result (`offline templates` or the AI model).
    pub provider: Option<String>,
    pub created_at: String,
}
