//! How a customer's message finds its conversation, and what it does there: it joins the
//! conversation found (moving a resolved one back to routing, or a waiting one back to its
//! agent) or opens a new one, and it counts on the conversation it lands in. The store runs
//! the lookup [`Threading`] names; [`join`] decides on what it found.

use std::time::Duration;

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

/// What a message's sender and channel allow when it finds a conversation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JoinRules {
    /// Sent by a machine: it never reopens a resolved conversation (an out-of-office answer to
    /// the agent's last reply lands there without bringing it back to anyone).
    pub automatic: bool,
    /// A resolved conversation is reopened only when it was resolved at most this long ago;
    /// after that the message opens a new conversation that follows it. `None`: always.
    pub reopen_within: Option<Duration>,
}

/// Where a customer's message goes.
#[derive(Clone, Debug, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "made once per message and matched at once; a box would only add an allocation"
)]
pub enum Placement {
    Join(Join),
    /// A new conversation, following the one found when that was resolved too long ago.
    Open {
        follows: Option<ConversationId>,
    },
}

/// How a customer's message joins the conversation its threading found, or opens a new one
/// (nothing was found, only a closed conversation, or one resolved longer ago than the rules
/// allow to reopen).
pub fn join(found: Option<Conversation>, rules: JoinRules, now: Millis) -> Placement {
    use ConversationStatus::*;
    let Some(conversation) = found.filter(|c| c.status != Closed) else {
        return Placement::Open { follows: None };
    };
    let (to, assignee) = match conversation.status {
        Resolved if rules.automatic => {
            return Placement::Join(Join { conversation, change: None, reopened: false });
        }
        Resolved if rules.reopen_within.is_some_and(|within| conversation.updated_at.plus(within) < now) => {
            return Placement::Open { follows: Some(conversation.id) };
        }
        // Routed afresh: whoever resolved it may be away or busy by now.
        Resolved => (Reopened, Some(None)),
        // The customer answered: the ball is back with the agent.
        WaitingOnCustomer => (Assigned, None),
        _ => return Placement::Join(Join { conversation, change: None, reopened: false }),
    };
    let change =
        StatusChange { to, assignee, queue: None, actor: Actor::Customer, reason: "customer_message".into(), now };
    Placement::Join(Join { conversation, change: Some(change), reopened: to == Reopened })
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
        id: id.clone(),
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
        sla_breached: false,
        held_until: None,
        reference: super::reference::reference(&id),
        account: None,
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
        let open = Placement::Open { follows: None };
        assert_eq!(join(None, JoinRules::default(), at(1)), open);
        assert_eq!(join(Some(conversation(Closed)), JoinRules::default(), at(1)), open);
    }

    #[test]
    fn a_conversation_resolved_too_long_ago_is_followed_by_a_new_one() {
        let rules = JoinRules { automatic: false, reopen_within: Some(Duration::from_secs(3600)) };
        let found = conversation(Resolved);
        assert!(matches!(
            join(Some(found.clone()), rules, at(3_600_000)),
            Placement::Join(Join { reopened: true, .. })
        ));
        assert_eq!(join(Some(found.clone()), rules, at(3_600_001)), Placement::Open { follows: Some(found.id) });
    }

    #[test]
    fn automatic_mail_lands_in_a_resolved_conversation_without_reopening_it() {
        let rules = JoinRules { automatic: true, reopen_within: None };
        let found = conversation(Resolved);
        let expected = Join { conversation: found.clone(), change: None, reopened: false };
        assert_eq!(join(Some(found), rules, at(5)), Placement::Join(expected));
        // Still open: it joins as any message does.
        assert!(matches!(
            join(Some(conversation(WaitingOnCustomer)), rules, at(5)),
            Placement::Join(Join { change: Some(_), .. })
        ));
    }

    #[test]
    fn a_resolved_conversation_reopens_for_routing_afresh() {
        let Placement::Join(Join { conversation: c, change: Some(change), reopened: true }) =
            join(Some(conversation(Resolved)), JoinRules::default(), at(5))
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
        let Placement::Join(Join { conversation: c, change: Some(change), reopened: false }) =
            join(Some(conversation(WaitingOnCustomer)), JoinRules::default(), at(5))
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
            assert_eq!(join(Some(found), JoinRules::default(), at(5)), Placement::Join(expected), "{status}");
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
