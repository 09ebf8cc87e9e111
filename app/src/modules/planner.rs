//! Keyword clustering for the Planner: deterministic grouping by shared word stems. Each
//! keyword joins the cluster of its most common significant stem across the whole list (ties
//! broken alphabetically), so "running shoes", "best running shoe" and "shoes for running" end
//! up together, and the same input always gives the same clusters.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Cluster {
    pub name: String,
    pub keywords: Vec<String>,
}

const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "best", "by", "for", "from", "how", "i", "in", "is",
    "it", "my", "near", "of", "on", "or", "the", "to", "top", "vs", "what", "when", "where",
    "which", "who", "why", "with", "you", "your",
];

/// A crude, predictable English stem: lower case, one common suffix off, a doubled final
/// consonant undone ("runners" → "run", "stories" → "story", "shoes" → "shoe").
pub fn stem(word: &str) -> String {
    let word = word.to_lowercase();
    for (suffix, replacement) in [
        ("ies", "y"),
        ("ing", ""),
        ("ers", ""),
        ("er", ""),
        ("ed", ""),
        ("ly", ""),
        ("s", ""),
    ] {
        if let Some(base) = word.strip_suffix(suffix) {
            if base.chars().count() >= 3 {
                let mut stem = format!("{base}{replacement}");
                let bytes = stem.as_bytes();
                let n = bytes.len();
                if n >= 2 && bytes[n - 1] == bytes[n - 2] && !b"aeiouls".contains(&bytes[n - 1]) {
                    stem.pop();
                }
                return stem;
            }
        }
    }
    word
}

fn stems(keyword: &str) -> Vec<String> {
    keyword
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(&w.to_lowercase().as_str()))
        .map(stem)
        .collect()
}

/// The keywords of a pasted list: one per line (or comma), trimmed, duplicates removed
/// case-insensitively, order kept.
pub fn parse_keywords(text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    text.split(['\n', ','])
        .map(|k| k.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|k| !k.is_empty())
        .filter(|k| seen.insert(k.to_lowercase()))
        .collect()
}

pub fn cluster(keywords: &[String]) -> Vec<Cluster> {
    let mut frequency: HashMap<String, usize> = HashMap::new();
    for keyword in keywords {
        let mut unique = stems(keyword);
        unique.sort();
        unique.dedup();
        for s in unique {
            *frequency.entry(s).or_default() += 1;
        }
    }
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for keyword in keywords {
        let head = stems(keyword)
            .into_iter()
            .max_by(|a, b| frequency[a].cmp(&frequency[b]).then_with(|| b.cmp(a)))
            .unwrap_or_else(|| keyword.to_lowercase());
        groups.entry(head).or_default().push(keyword.clone());
    }
    let mut clusters: Vec<Cluster> = groups
        .into_iter()
        .map(|(name, keywords)| Cluster { name, keywords })
        .collect();
    clusters.sort_by(|a, b| {
        b.keywords
            .len()
            .cmp(&a.keywords.len())
            .then_with(|| a.name.cmp(&b.name))
    });
    clusters
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(std::string::ToString::to_string).collect()
    }

    #[test]
    fn keywords_sharing_a_stem_group_together() {
        let keywords = list(&[
            "running shoes",
            "best running shoe",
            "shoes for running",
            "trail runners",
            "coffee grinder",
            "manual coffee grinders",
            "how to brew coffee",
        ]);
        let clusters = cluster(&keywords);
        let find = |k: &str| {
            clusters
                .iter()
                .find(|c| c.keywords.iter().any(|x| x == k))
                .unwrap()
                .name
                .clone()
        };
        assert_eq!(find("running shoes"), find("shoes for running"));
        assert_eq!(find("running shoes"), find("best running shoe"));
        assert_eq!(find("coffee grinder"), find("how to brew coffee"));
        assert_ne!(find("running shoes"), find("coffee grinder"));
        assert_eq!(
            clusters.iter().map(|c| c.keywords.len()).sum::<usize>(),
            keywords.len()
        );
        // Deterministic.
        assert_eq!(cluster(&keywords), clusters);
    }

    #[test]
    fn parsing_trims_and_deduplicates() {
        assert_eq!(
            parse_keywords("  Running  shoes \nrunning shoes, trail\n\n"),
            list(&["Running shoes", "trail"])
        );
        assert_eq!(stem("shoes"), "shoe");
        assert_eq!(stem("runners"), "run");
        assert_eq!(stem("running"), "run");
        assert_eq!(stem("stories"), "story");
    }
}
