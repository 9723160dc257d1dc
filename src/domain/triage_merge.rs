//! How a message's triage merges into its conversation. Applied in the transaction that
//! commits the message, so the triage of one message can never overwrite that of a later one.

use super::{Conversation, Millis, TriageResult};

/// Merges `triage` into `c`: a conversation the message opened or reopened (`fresh`), or one
/// not yet triaged, takes it whole; any other only when it is more urgent than the
/// conversation is, so a calmer message never undoes an escalation. A customer with enough
/// `prior_contacts` (their other conversations in the triage's window) gets the priority
/// of a repeated contact. Returns whether it was taken.
pub fn merge(c: &mut Conversation, triage: &TriageResult, fresh: bool, prior_contacts: u32, now: Millis) -> bool {
    let priority = match &triage.repeat {
        Some(rule) if prior_contacts >= rule.at_least => rule.priority.max(triage.priority),
        _ => triage.priority,
    };
    if !fresh && c.category.is_some() && priority <= c.priority {
        return false;
    }
    c.category = Some(triage.category.clone());
    c.priority = priority;
    // The reason for an emergency stays until a later one replaces it.
    if triage.signal.is_some() {
        c.triage_signal = triage.signal.clone();
    }
    c.language = Some(triage.language.clone());
    c.queue = Some(triage.queue.clone());
    c.touch(now);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{T0, at, conversation};
    use crate::domain::{ConversationStatus, Priority, RepeatRule};

    fn triage(category: &str, priority: Priority, queue: &str) -> TriageResult {
        TriageResult {
            category: category.to_owned(),
            priority,
            language: "en".to_owned(),
            confidence: 0.9,
            queue: queue.to_owned(),
            queue_reason: format!("category {category}"),
            signal: None,
            repeat: None,
        }
    }

    /// A queued conversation already triaged as a normal-priority refund.
    fn triaged() -> Conversation {
        let mut c = conversation(ConversationStatus::Queued);
        merge(&mut c, &triage("refund", Priority::Normal, "payments"), true, 0, T0);
        c
    }

    fn summary(c: &Conversation) -> (Option<&str>, Priority, Option<&str>, Option<&str>) {
        (c.category.as_deref(), c.priority, c.language.as_deref(), c.queue.as_deref())
    }

    #[test]
    fn a_conversation_not_yet_triaged_takes_any_triage_whole() {
        let mut c = conversation(ConversationStatus::Assigned);
        assert!(merge(&mut c, &triage("feedback", Priority::Low, "general"), false, 0, at(5)));
        assert_eq!(summary(&c), (Some("feedback"), Priority::Low, Some("en"), Some("general")));
        assert_eq!(c.updated_at, at(5));
    }

    #[test]
    fn a_fresh_conversation_takes_it_whole_even_when_calmer() {
        let mut c = triaged();
        c.priority = Priority::Urgent;
        assert!(merge(&mut c, &triage("how_to", Priority::Low, "general"), true, 0, at(5)));
        assert_eq!(summary(&c), (Some("how_to"), Priority::Low, Some("en"), Some("general")));
    }

    #[test]
    fn a_triaged_conversation_takes_only_a_more_urgent_triage() {
        for calmer in [Priority::Low, Priority::Normal] {
            let mut c = triaged();
            assert!(!merge(&mut c, &triage("feedback", calmer, "general"), false, 0, at(5)), "{calmer}");
            assert_eq!(c, triaged(), "{calmer} changes nothing");
        }
        let mut c = triaged();
        assert!(merge(&mut c, &triage("account_compromised", Priority::Urgent, "security"), false, 0, at(5)));
        assert_eq!(summary(&c), (Some("account_compromised"), Priority::Urgent, Some("en"), Some("security")));
        assert_eq!(c.updated_at, at(5));
    }

    #[test]
    fn a_customer_who_keeps_coming_back_gets_the_repeated_contacts_priority() {
        let rule = RepeatRule { since: T0, at_least: 2, priority: Priority::High };
        let t = TriageResult { repeat: Some(rule), ..triage("refund", Priority::Normal, "payments") };
        for (prior, expected) in
            [(0, Priority::Normal), (1, Priority::Normal), (2, Priority::High), (5, Priority::High)]
        {
            let mut c = conversation(ConversationStatus::Queued);
            assert!(merge(&mut c, &t, true, prior, at(5)));
            assert_eq!(c.priority, expected, "{prior} earlier conversations");
        }
        // It never lowers what the message itself says.
        let urgent = TriageResult { priority: Priority::Urgent, ..t };
        let mut c = conversation(ConversationStatus::Queued);
        merge(&mut c, &urgent, true, 9, at(5));
        assert_eq!(c.priority, Priority::Urgent);
    }

    #[test]
    fn the_reason_for_an_emergency_stays_for_the_agent() {
        let mut c = triaged();
        let signal = Some("a login from a device the customer does not have".to_owned());
        let stolen =
            TriageResult { signal: signal.clone(), ..triage("account_compromised", Priority::Urgent, "security") };
        assert!(merge(&mut c, &stolen, false, 0, at(5)));
        assert_eq!(c.triage_signal, signal);
        // A later triage without one (a fresh, calmer follow-up) does not erase it.
        assert!(merge(&mut c, &triage("how_to", Priority::Low, "general"), true, 0, at(6)));
        assert_eq!(c.triage_signal, signal);
    }
}
