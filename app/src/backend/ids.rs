//! Opaque ids: a short type prefix and a random UUID, so an id says what it names in logs.

pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// An id that sorts in creation order: milliseconds since the epoch, then a counter of this
/// process, then randomness (so instances never collide). For rows listed newest first whose
/// timestamps (whole seconds) can tie, like the audit log.
pub fn new_sortable_id(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}_{millis:012x}{count:08x}{}", &random[..12])
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
    fn sortable_ids_sort_in_creation_order() {
        let ids: Vec<String> = (0..1000).map(|_| super::new_sortable_id("audit")).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert_eq!(ids[0].len(), "audit_".len() + 32);
    }
}
