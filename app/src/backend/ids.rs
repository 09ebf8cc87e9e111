//! Opaque ids: a short type prefix and a UUID v7, so an id says what it names in logs and ids sort
//! in creation order (the v7 timestamp leads, and within one millisecond the `uuid` crate's
//! counter keeps one process's ids in order). Lists whose timestamps (whole seconds) can tie,
//! like the audit log, order by id.

pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
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

    #[test]
    fn ids_sort_in_creation_order() {
        let ids: Vec<String> = (0..1000).map(|_| super::new_id("audit")).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }
}
