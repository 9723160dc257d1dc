//! How a customer's message finds its conversation, and what it does there: it joins the
//! conversation found (moving a resolved one back to routing, or a waiting one back to its
//! agent) or opens a new one, and it counts on the conversation it lands in. The store runs
//! the lookup [`Threading`] names; [`join`] decides on what it found.

use switchboard_channel::ChannelKind;

use super::{Actor, Conversation, ConversationId, ConversationStatus, CustomerId, Millis, Priority, StatusChange};

/// How an inbound message finds its conversation: the adapter says, in its envelope.
pub use switchboard_channel::Threading;

/// A customer's message joining the conversation its threading found.
#[derive(Clone, Debug, PartialEq)]
pub struct Join {
    /// The conversation as found; the message lands in it once `change` has moved it.
    pub conversation: Conversation,
    pub change: Option<StatusChange>,
    /// True when the move reopens a resolved conversation.
    pub reopened: bool,
}

/// How a customer's message joins the conversation its threading found; `None` when it
/// opens a new one instead (nothing was found, or only a closed conversation).
pub fn join(found: Option<Conversation>, now: Millis) -> Option<Join> {
    use ConversationStatus::*;
    let conversation = found.filter(|c| c.status != Closed)?;
    let (to, assignee) = match conversation.status {
        // Routed afresh: whoever resolved it may be away or busy by now.
        Resolved => (Reopened, Some(None)),
        // The customer answered: the ball is back with the agent.
        WaitingOnCustomer => (Assigned, None),
        _ => return Some(Join { conversation, change: None, reopened: false }),
    };
    let change =
        StatusChange { to, assignee, queue: None, actor: Actor::Customer, reason: "customer_message".into(), now };
    Some(Join { conversation, change: Some(change), reopened: to == Reopened })
}

/// The conversation a customer's first message opens: queued for routing, at normal priority
/// until triage says otherwise, in the language the sender's client named.
pub fn opened(
    id: ConversationId,
    customer: CustomerId,
    channel: ChannelKind,
    language: Option<String>,
    now: Millis,
) -> Conversation {
    Conversation {
        id,
        customer_id: customer,
        channel,
        status: ConversationStatus::Queued,
        subject: None,
        category: None,
        priority: Priority::Normal,
        language,
        queue: None,
        assignee: None,
        last_seq: 0,
        secrets_redacted: false,
        created_at: now,
        first_response_at: None,
        last_customer_message_at: None,
        waiting_since: now,
        updated_at: now,
        triage_signal: None,
    }
}

/// Counts a customer message appended with `seq` on its conversation. The first subject
/// given names the conversation; later ones (an email reply's `Re: …`) do not rename it.
pub fn customer_wrote(c: &mut Conversation, seq: i64, subject: Option<&str>, secrets_redacted: bool, now: Millis) {
    c.last_seq = seq;
    c.last_customer_message_at = Some(now);
    c.touch(now);
    c.secrets_redacted |= secrets_redacted;
    if c.subject.is_none() {
        c.subject = subject.map(str::to_owned);
    }
}

#[cfg(test)]
mod tests {
    use super::ConversationStatus::*;
    use super::*;
    use crate::domain::fixtures::{T0, at, conversation};

    #[test]
    fn nothing_found_or_a_closed_conversation_opens_a_new_one() {
        assert_eq!(join(None, at(1)), None);
        assert_eq!(join(Some(conversation(Closed)), at(1)), None);
    }

    #[test]
    fn a_resolved_conversation_reopens_for_routing_afresh() {
        let Some(Join { conversation: c, change: Some(change), reopened: true }) =
            join(Some(conversation(Resolved)), at(5))
        else {
            panic!("a resolved conversation is reopened");
        };
        assert_eq!(c, conversation(Resolved), "the move is the caller's to apply");
        assert_eq!((change.to, change.assignee.clone()), (Reopened, Some(None)), "the assignee is cleared");
        assert_eq!(
            (change.actor.clone(), change.reason.as_str(), change.now),
            (Actor::Customer, "customer_message", at(5))
        );
        let moved = change.apply_to(c).unwrap();
        assert_eq!((moved.status, moved.assignee, moved.waiting_since), (Reopened, None, at(5)));
    }

    #[test]
    fn an_answer_to_a_waiting_agent_hands_the_conversation_back_to_them() {
        let Some(Join { conversation: c, change: Some(change), reopened: false }) =
            join(Some(conversation(WaitingOnCustomer)), at(5))
        else {
            panic!("a waiting conversation goes back to its agent");
        };
        assert_eq!((change.to, change.assignee.clone()), (Assigned, None), "the assignee is kept");
        let moved = change.apply_to(c).unwrap();
        assert_eq!((moved.status, moved.assignee.as_ref().map(|a| a.as_str())), (Assigned, Some("ag_mei")));
    }

    #[test]
    fn a_conversation_still_with_routing_or_its_agent_is_joined_as_it_is() {
        for status in [Queued, Offered, Assigned, Reopened] {
            let found = conversation(status);
            let expected = Join { conversation: found.clone(), change: None, reopened: false };
            assert_eq!(join(Some(found), at(5)), Some(expected), "{status}");
        }
    }

    #[test]
    fn a_new_conversation_waits_for_routing_from_its_first_message() {
        let c = opened(ConversationId::from("cv_2"), CustomerId::from("cu_1"), ChannelKind::Email, None, at(7));
        assert_eq!((c.status, c.priority, c.last_seq, c.next_seq()), (Queued, Priority::Normal, 0, 1));
        assert_eq!((c.created_at, c.waiting_since, c.updated_at), (at(7), at(7), at(7)));
        assert_eq!((c.category, c.queue, c.assignee, c.language), (None, None, None, None));
    }

    #[test]
    fn a_customer_message_counts_and_names_the_conversation_once() {
        let mut c = conversation(Queued);
        let seq = c.next_seq();
        customer_wrote(&mut c, seq, Some("Transfer missing"), false, at(9));
        assert_eq!((c.last_seq, c.last_customer_message_at, c.updated_at), (4, Some(at(9)), at(9)));
        assert_eq!((c.subject.as_deref(), c.secrets_redacted), (Some("Transfer missing"), false));
        customer_wrote(&mut c, 5, Some("Re: Transfer missing"), true, at(10));
        assert_eq!((c.subject.as_deref(), c.secrets_redacted), (Some("Transfer missing"), true));
        // Once redacted, always marked: a later clean message does not clear it.
        customer_wrote(&mut c, 6, None, false, at(11));
        assert!(c.secrets_redacted);
        assert_eq!(c.created_at, T0);
    }
}
