//! What an agent's reply, an internal note or a system message does to its conversation: the
//! `seq` it gets, the first-response time, the status move, and how it reaches the customer.
use super::{Actor, AgentId, Conversation, ConversationStatus, Millis, StatusChange};

/// What committing an outbound message changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// The conversation with the message counted.
    pub conversation: Conversation,
    /// The message's `seq`; none for an internal note, which the customer never sees.
    pub seq: Option<i64>,
    /// The status move the message makes, applied after it is counted.
    pub change: Option<StatusChange>,
}

/// What an outbound message written by `agent` (`None`: the system) does to `conversation`.
pub fn reply(mut conversation: Conversation, agent: Option<&AgentId>, internal: bool, now: Millis) -> Reply {
    let seq = (!internal).then(|| conversation.next_seq());
    if let Some(seq) = seq {
        conversation.last_seq = seq;
    }
    // A note is not an answer, and neither is a system notice: the customer still waits.
    let answered_by = agent.filter(|_| !internal);
    if answered_by.is_some() && conversation.first_response_at.is_none() {
        conversation.first_response_at = Some(now);
    }
    conversation.touch(now);
    // The agent answered: the ball is with the customer. Anywhere else (a supervisor answering
    // a queued conversation) the status stays for routing to decide.
    let change =
        answered_by.filter(|_| conversation.status == ConversationStatus::Assigned).map(|agent| StatusChange {
            to: ConversationStatus::WaitingOnCustomer,
            assignee: None,
            queue: None,
            actor: Actor::Agent(agent.clone()),
            reason: "agent_replied".into(),
            now,
        });
    Reply { conversation, seq, change }
}

/// How an outbound message reaches the customer, as its outbox row records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The channel's adapter must be handed it: the row waits for the dispatcher.
    Dispatch,
    /// It reached the customer's open connections the moment it was committed: the row is
    /// recorded as sent, with this detail, and never dispatched.
    Live(String),
}

/// How a message is delivered, if at all: `deliver` asks for it, and `delivered_live` is what
/// the live side of the conversation's channel reported (only a channel that has one, and
/// whose customer was connected, reports anything). Internal notes never are.
pub fn delivery(deliver: bool, internal: bool, delivered_live: Option<String>) -> Option<Delivery> {
    if !deliver || internal {
        return None;
    }
    Some(match delivered_live {
        Some(detail) => Delivery::Live(detail),
        None => Delivery::Dispatch,
    })
}

#[cfg(test)]
mod tests {
    use super::ConversationStatus::*;
    use super::*;
    use crate::domain::fixtures::{at, conversation};

    fn mei() -> AgentId {
        AgentId::from("ag_mei")
    }

    #[test]
    fn an_agent_answer_to_an_assigned_conversation_waits_on_the_customer() {
        let r = reply(conversation(Assigned), Some(&mei()), false, at(5));
        assert_eq!(r.seq, Some(4));
        let c = &r.conversation;
        assert_eq!((c.last_seq, c.first_response_at, c.updated_at, c.status), (4, Some(at(5)), at(5), Assigned));
        let change = r.change.expect("a status move");
        assert_eq!((change.to, change.assignee.clone(), change.queue.clone()), (WaitingOnCustomer, None, None));
        assert_eq!((change.actor, change.reason.as_str(), change.now), (Actor::Agent(mei()), "agent_replied", at(5)));
    }

    #[test]
    fn an_agent_answer_elsewhere_leaves_the_status_alone() {
        for status in [Queued, Offered, WaitingOnCustomer, Reopened, Resolved] {
            let r = reply(conversation(status), Some(&mei()), false, at(5));
            assert_eq!((r.seq, r.change), (Some(4), None), "{status}");
            assert_eq!(r.conversation.first_response_at, Some(at(5)));
        }
    }

    #[test]
    fn the_first_response_is_the_first_answer_only() {
        let mut c = conversation(WaitingOnCustomer);
        c.first_response_at = Some(at(1));
        let r = reply(c, Some(&mei()), false, at(5));
        assert_eq!(r.conversation.first_response_at, Some(at(1)));
    }

    #[test]
    fn a_note_gets_no_seq_and_is_no_answer() {
        let r = reply(conversation(Assigned), Some(&mei()), true, at(5));
        assert_eq!((r.seq, r.change), (None, None));
        let c = &r.conversation;
        assert_eq!((c.last_seq, c.first_response_at, c.updated_at), (3, None, at(5)));
    }

    #[test]
    fn a_system_message_is_numbered_but_no_answer() {
        let r = reply(conversation(Assigned), None, false, at(5));
        assert_eq!((r.seq, r.change), (Some(4), None));
        assert_eq!(r.conversation.first_response_at, None);
    }

    #[test]
    fn what_was_delivered_live_is_not_dispatched_and_notes_are_never_delivered() {
        let live = || Some("delivered to the app".to_owned());
        assert_eq!(delivery(true, false, live()), Some(Delivery::Live(live().unwrap())));
        assert_eq!(delivery(true, false, None), Some(Delivery::Dispatch));
        assert_eq!(delivery(true, true, live()), None);
        assert_eq!(delivery(false, false, live()), None);
    }
}
