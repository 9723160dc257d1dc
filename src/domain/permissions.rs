//! Who may write into a conversation. The store checks this in the transaction of the write
//! itself, so a reassignment cannot slip between the check and the write.

use super::{AgentId, Conversation, ConversationId, ConversationStatus};

/// Why a write into a conversation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteRefused {
    /// The writer may write only where they are the assignee, and are not.
    #[error("conversation {0} is not assigned to you")]
    NotAssignee(ConversationId),
    /// A closed conversation takes no more messages; the customer's next one opens another.
    #[error("conversation {0} is closed")]
    Closed(ConversationId),
}

/// Whether a writer limited to conversations assigned to `assignee_only` (`None`: a
/// supervisor or the system) may act on `c` at all: write into it, transfer or resolve it.
pub fn may_act(c: &Conversation, assignee_only: Option<&AgentId>) -> Result<(), WriteRefused> {
    match assignee_only {
        Some(agent) if c.assignee.as_ref() != Some(agent) => Err(WriteRefused::NotAssignee(c.id.clone())),
        _ => Ok(()),
    }
}

/// Whether a message may be written into `c` by a writer limited to conversations assigned to
/// `assignee_only` (`None`: a supervisor or the system, who may write anywhere).
pub fn may_write(c: &Conversation, assignee_only: Option<&AgentId>) -> Result<(), WriteRefused> {
    may_act(c, assignee_only)?;
    if c.status == ConversationStatus::Closed {
        return Err(WriteRefused::Closed(c.id.clone()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ConversationStatus::*;
    use super::*;
    use crate::domain::fixtures::conversation;

    #[test]
    fn the_assignee_may_write_and_anyone_else_limited_to_their_own_may_not() {
        let (mei, li) = (AgentId::from("ag_mei"), AgentId::from("ag_li"));
        let assigned = conversation(Assigned);
        assert_eq!(may_write(&assigned, Some(&mei)), Ok(()));
        assert_eq!(may_write(&assigned, Some(&li)), Err(WriteRefused::NotAssignee(assigned.id.clone())));
        // Nobody's yet: still not theirs.
        let queued = conversation(Queued);
        assert_eq!(may_write(&queued, Some(&mei)), Err(WriteRefused::NotAssignee(queued.id.clone())));
        assert_eq!(
            WriteRefused::NotAssignee(queued.id.clone()).to_string(),
            "conversation cv_1 is not assigned to you"
        );
    }

    #[test]
    fn an_unlimited_writer_may_write_anywhere_but_into_a_closed_conversation() {
        for status in [Queued, Offered, Assigned, WaitingOnCustomer, Resolved, Reopened] {
            assert_eq!(may_write(&conversation(status), None), Ok(()), "{status}");
        }
        let closed = conversation(Closed);
        assert_eq!(may_write(&closed, None), Err(WriteRefused::Closed(closed.id.clone())));
        // Its assignee may not either.
        assert_eq!(may_write(&closed, Some(&AgentId::from("ag_mei"))), Err(WriteRefused::Closed(closed.id.clone())));
    }

    #[test]
    fn someone_else_is_told_it_is_not_theirs_before_that_it_is_closed() {
        let closed = conversation(Closed);
        let refused = may_write(&closed, Some(&AgentId::from("ag_li")));
        assert_eq!(refused, Err(WriteRefused::NotAssignee(closed.id.clone())));
    }
}
