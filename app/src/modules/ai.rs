//! Text generation behind one trait: an OpenAI-compatible chat-completions client when
//! `AI_BASE_URL` is configured, and otherwise a built-in offline writer that composes text
//! from templates (the UI labels its output as such).

use crate::backend::Secret;
use crate::common::{AppError, ErrorKind};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub type AiFuture<'a> = Pin<Box<dyn Future<Output = Result<String, AppError>> + Send + 'a>>;

pub trait AiProvider: Send + Sync + std::fmt::Debug {
    /// Shown beside the result, e.g. `offline templates` or the model name.
    fn name(&self) -> String;
    fn complete<'a>(&'a self, system: &'a str, prompt: &'a str, max_words: i64) -> AiFuture<'a>;
}

/// Chat completions at `{base_url}/chat/completions` with a bearer key.
#[derive(Debug)]
pub struct OpenAiCompatible {
    client: reqwest::Client,
    base_url: String,
    api_key: Secret,
    model: String,
}

impl OpenAiCompatible {
    pub fn new(base_url: &str, api_key: Secret, model: &str) -> OpenAiCompatible {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap_or_default();
        OpenAiCompatible {
            client,
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key,
            model: model.to_string(),
        }
    }

    async fn call(&self, system: &str, prompt: &str, max_words: i64) -> Result<String, AppError> {
        let body = serde_json::json!({
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": prompt},
            ],
            // About 1.4 tokens per English word, with room for formatting.
            "max_tokens": (max_words as f64 * 1.6) as i64 + 64,
        });
        let unavailable = |why: String| {
            tracing::warn!(error = %why, "AI provider failed");
            AppError::with_message(
                ErrorKind::Unavailable,
                "The writing service did not answer. No credits were charged; try again in a moment.",
            )
        };
        let response = self
            .client
            .post(format!("{}/chat/completions", self.base_url))
            .bearer_auth(self.api_key.expose())
            .json(&body)
            .send()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        if !response.status().is_success() {
            return Err(unavailable(format!("status {}", response.status())));
        }
        let answer: serde_json::Value = response
            .json()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        answer["choices"][0]["message"]["content"]
            .as_str()
            .map(str::to_string)
            .filter(|text| !text.trim().is_empty())
            .ok_or_else(|| unavailable("no content in the answer".into()))
    }
}

impl AiProvider for OpenAiCompatible {
    fn name(&self) -> String {
        self.model.clone()
    }

    fn complete<'a>(&'a self, system: &'a str, prompt: &'a str, max_words: i64) -> AiFuture<'a> {
        Box::pin(self.call(system, prompt, max_words))
    }
}

/// Offline: deterministic text from templates, so the product works without an AI account.
#[derive(Debug, Default)]
pub struct OfflineTemplates;

pub use super::model::OFFLINE_PROVIDER as OFFLINE_NAME;

const SENTENCES: &[&str] = &[
    "Readers searching for {k} want clear answers before they decide.",
    "This section explains what matters most about {k} and why it matters now.",
    "Start with the basics of {k}, then move to the details that set good choices apart.",
    "Compare the common options for {k} by cost, effort and the results you can expect.",
    "A short checklist keeps {k} practical: define the goal, pick a method, measure the outcome.",
    "Many people get {k} wrong by skipping the first step; avoid that by planning ahead.",
    "Examples make {k} concrete, so each point below comes with one.",
    "Finally, keep {k} up to date: what worked last year may not work today.",
];

impl OfflineTemplates {
    fn compose(prompt: &str, max_words: i64) -> String {
        let keyword = prompt.lines().next().unwrap_or(prompt).trim();
        let mut words = 0;
        let mut out = String::new();
        let mut i = 0;
        while words < max_words {
            // Headings are words too: the budget counts everything the reader gets.
            let heading =
                (i % 4 == 0).then(|| format!("\n## {} — part {}\n\n", keyword, i / 4 + 1));
            let sentence = SENTENCES[i % SENTENCES.len()].replace("{k}", keyword);
            let count = count_words(&sentence) + heading.as_deref().map_or(0, count_words);
            if words + count > max_words && words > 0 {
                break;
            }
            words += count;
            out.push_str(heading.as_deref().unwrap_or_default());
            out.push_str(&sentence);
            out.push(' ');
            i += 1;
        }
        out.trim().to_string()
    }
}

impl AiProvider for OfflineTemplates {
    fn name(&self) -> String {
        OFFLINE_NAME.to_string()
    }

    fn complete<'a>(&'a self, _system: &'a str, prompt: &'a str, max_words: i64) -> AiFuture<'a> {
        let text = Self::compose(prompt, max_words);
        Box::pin(async move { Ok(text) })
    }
}

/// Words as the Writer counts (and charges) them: headings' markers are not words.
pub fn count_words(text: &str) -> i64 {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_text_stays_within_the_word_budget() {
        let text = OfflineTemplates::compose("trail running shoes", 300);
        let words = count_words(&text);
        assert!((250..=300).contains(&words), "{words}");
        let long = OfflineTemplates::compose("trail running shoes", 1500);
        assert!((1400..=1500).contains(&count_words(&long)));
        assert!(text.contains("trail running shoes"));
        assert_eq!(text, OfflineTemplates::compose("trail running shoes", 300));
    }
}
