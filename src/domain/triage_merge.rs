//! How a message's triage merges into its conversation. Applied in the transaction that
//! commits the message, so the triage of one message can never overwrite that of a later one.

use super::{Conversation, Millis, TriageResult};

/// Merges `triage` into `c`: a conversation the message opened or reopened (`fresh`), or one
/// not yet triaged, takes it whole; any other only when it is more urgent than the
/// conversation is, so a calmer message never undoes an escalation. Returns whether it was
/// taken.
pub fn merge(c: &mut Conversation, triage: &TriageResult, fresh: bool, now: Millis) -> bool {
    if !fresh && c.category.is_some() && triage.priority <= c.priority {
        return false;
    }
    c.category = Some(triage.category.clone());
    c.priority = triage.priority;
    c.language = Some(triage.language.clone());
    c.queue = Some(triage.queue.clone());
    c.updated_at = now;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{T0, at, conversation};
    use crate::domain::{ConversationStatus, Priority};

    fn triage(category: &str, priority: Priority, queue: &str) -> TriageResult {
        TriageResult {
            category: category.to_owned(),
            priority,
            language: "en".to_owned(),
            confidence: 0.9,
            queue: queue.to_owned(),
        }
    }

    /// A queued conversation already triaged as a normal-priority refund.
    fn triaged() -> Conversation {
        let mut c = conversation(ConversationStatus::Queued);
        merge(&mut c, &triage("refund", Priority::Normal, "payments"), true, T0);
        c
    }

    fn summary(c: &Conversation) -> (Option<&str>, Priority, Option<&str>, Option<&str>) {
        (c.category.as_deref(), c.priority, c.language.as_deref(), c.queue.as_deref())
    }

    #[test]
    fn a_conversation_not_yet_triaged_takes_any_triage_whole() {
        let mut c = conversation(ConversationStatus::Assigned);
        assert!(merge(&mut c, &triage("feedback", Priority::Low, "general"), false, at(5)));
        assert_eq!(summary(&c), (Some("feedback"), Priority::Low, Some("en"), Some("general")));
        assert_eq!(c.updated_at, at(5));
    }

    #[test]
    fn a_fresh_conversation_takes_it_whole_even_when_calmer() {
        let mut c = triaged();
        c.priority = Priority::Urgent;
        assert!(merge(&mut c, &triage("how_to", Priority::Low, "general"), true, at(5)));
        assert_eq!(summary(&c), (Some("how_to"), Priority::Low, Some("en"), Some("general")));
    }

    #[test]
    fn a_triaged_conversation_takes_only_a_more_urgent_triage() {
        for calmer in [Priority::Low, Priority::Normal] {
            let mut c = triaged();
            assert!(!merge(&mut c, &triage("feedback", calmer, "general"), false, at(5)), "{calmer}");
            assert_eq!(c, triaged(), "{calmer} changes nothing");
        }
        let mut c = triaged();
        assert!(merge(&mut c, &triage("account_compromised", Priority::Urgent, "security"), false, at(5)));
        assert_eq!(summary(&c), (Some("account_compromised"), Priority::Urgent, Some("en"), Some("security")));
        assert_eq!(c.updated_at, at(5));
    }
}
