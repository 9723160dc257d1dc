//! Who may ask for an account action: a pure rule of the action's configured permission,
//! the agent's role and whether the customer's identity is verified on the conversation.

use crate::config::ActionPermission;

/// Why an agent may not ask for an action; what they are told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotAllowed {
    #[error("verify the customer's identity on this conversation first, or ask a supervisor")]
    NotVerified,
    #[error("only a supervisor may do this")]
    NotSupervisor,
}

/// Whether an agent (`supervisor` or not) may ask for an action guarded by `allowed`.
pub fn may_ask(allowed: ActionPermission, supervisor: bool, verified: bool) -> Result<(), NotAllowed> {
    match allowed {
        ActionPermission::Agent => Ok(()),
        ActionPermission::Verified if supervisor || verified => Ok(()),
        ActionPermission::Verified => Err(NotAllowed::NotVerified),
        ActionPermission::Supervisor if supervisor => Ok(()),
        ActionPermission::Supervisor => Err(NotAllowed::NotSupervisor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ActionPermission::*;

    #[test]
    fn any_agent_may_freeze_and_unfreezing_waits_for_verification_or_a_supervisor() {
        for (supervisor, verified) in [(false, false), (false, true), (true, false)] {
            assert_eq!(may_ask(Agent, supervisor, verified), Ok(()));
        }
        assert_eq!(may_ask(Verified, false, false), Err(NotAllowed::NotVerified));
        assert_eq!(may_ask(Verified, false, true), Ok(()));
        assert_eq!(may_ask(Verified, true, false), Ok(()));
        assert_eq!(may_ask(Supervisor, false, true), Err(NotAllowed::NotSupervisor));
        assert_eq!(may_ask(Supervisor, true, false), Ok(()));
    }
}
