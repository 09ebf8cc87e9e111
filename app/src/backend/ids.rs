//! Opaque ids: a short type prefix and a random UUID, so an id says what it names in logs.

pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_prefixed_and_unique() {
        let a = super::new_id("acct");
        let b = super::new_id("acct");
        assert!(a.starts_with("acct_"));
        assert_eq!(a.len(), "acct_".len() + 32);
        assert_ne!(a, b);
    }
}
