//! Which mailboxes can currently log in, for `/readyz`: each folder loop reports when it
//! connects and when it cannot.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The login state of every mailbox; a mailbox not yet tried counts as ready.
#[derive(Clone, Default)]
pub struct Readiness(Arc<Mutex<BTreeMap<String, Option<String>>>>);

impl Readiness {
    pub fn ok(&self, mailbox: &str) {
        self.0.lock().expect("readiness lock").insert(mailbox.to_owned(), None);
    }

    pub fn failed(&self, mailbox: &str, why: String) {
        self.0.lock().expect("readiness lock").insert(mailbox.to_owned(), Some(why));
    }

    /// Every mailbox that cannot log in, by name, with why.
    pub fn check(&self) -> Result<(), String> {
        let failing: Vec<String> = self
            .0
            .lock()
            .expect("readiness lock")
            .iter()
            .filter_map(|(name, why)| why.as_ref().map(|why| format!("mailbox {name}: {why}")))
            .collect();
        if failing.is_empty() { Ok(()) } else { Err(failing.join("; ")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_mailbox_is_named_until_it_logs_in_again() {
        let r = Readiness::default();
        assert_eq!(r.check(), Ok(()));
        r.failed("support", "IMAP login failed: bad password".into());
        r.ok("billing");
        assert_eq!(r.check(), Err("mailbox support: IMAP login failed: bad password".into()));
        r.ok("support");
        assert_eq!(r.check(), Ok(()));
    }
}
