//! Who did something, as the audit log names them.

use super::AgentId;

/// Who did something, for the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    System,
    Agent(AgentId),
    Customer,
}

impl Actor {
    pub fn as_audit_string(&self) -> String {
        match self {
            Actor::System => "system".to_owned(),
            Actor::Customer => "customer".to_owned(),
            Actor::Agent(id) => format!("agent:{id}"),
        }
    }
}
