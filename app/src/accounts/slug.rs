//! Account slugs: a URL-safe name derived from the account name, made unique with `-2`, `-3`…

const MAX_LEN: usize = 40;

/// `"Acme, Inc."` → `"acme-inc"`; a name with nothing usable becomes `"account"`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= MAX_LEN {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "account".to_string()
    } else {
        slug.to_string()
    }
}

/// The first free slug for `base` given the taken ones that share its stem:
/// `acme`, then `acme-2`, `acme-3`, …
pub fn first_free(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_string();
    }
    let used: std::collections::HashSet<u64> = taken
        .iter()
        .filter_map(|t| t.strip_prefix(base)?.strip_prefix('-')?.parse().ok())
        .collect();
    let n = (2..).find(|n| !used.contains(n)).expect("a free number");
    format!("{base}-{n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_names() {
        assert_eq!(slugify("Acme"), "acme");
        assert_eq!(slugify("  Acme, Inc.  "), "acme-inc");
        assert_eq!(slugify("Café Ünïcode"), "caf-n-code");
        assert_eq!(slugify("!!!"), "account");
        assert_eq!(slugify(&"x".repeat(100)).len(), MAX_LEN);
    }

    #[test]
    fn first_free_numbers_from_two() {
        assert_eq!(first_free("acme", &[]), "acme");
        assert_eq!(first_free("acme", &["acme".into()]), "acme-2");
        assert_eq!(
            first_free("acme", &["acme".into(), "acme-2".into(), "acme-4".into()]),
            "acme-3"
        );
        // `acme-inc` shares the stem but is not a numbered copy.
        assert_eq!(
            first_free("acme", &["acme".into(), "acme-inc".into()]),
            "acme-2"
        );
    }
}
