//! Refusals: bad configuration, and events the engine rejects without changing anything.

use crate::action::RevokeReason;
use crate::ids::{AgentId, ConversationId, OfferId, QueueName};

/// A configuration the engine cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("queues: queue {0} is defined more than once")]
    DuplicateQueue(QueueName),
    #[error("default_queue: {0} is not one of the configured queues")]
    UnknownDefaultQueue(QueueName),
    #[error("offer_timeout: must be greater than zero")]
    ZeroOfferTimeout,
    #[error("queues: {queue} overflows to {to}, which is not a configured queue")]
    UnknownOverflowQueue { queue: QueueName, to: QueueName },
    #[error("queues: {0} overflows to itself")]
    OverflowToItself(QueueName),
    #[error("queues: overflow loops: {}", .0.iter().map(QueueName::as_str).collect::<Vec<_>>().join(" → "))]
    OverflowCycle(Vec<QueueName>),
    #[error("queues: {queue} requires {skill} at level {level}; levels run from 1 to 9")]
    SkillLevel { queue: QueueName, skill: String, level: u8 },
}

/// An event the engine refused. The state is exactly as it was before the call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    #[error("unknown queue {0}")]
    UnknownQueue(QueueName),
    #[error("conversation {0} is not waiting or assigned")]
    UnknownConversation(ConversationId),
    #[error("conversation {0} is already being routed")]
    AlreadyRouted(ConversationId),
    #[error("agent {0} is not online")]
    UnknownAgent(AgentId),
    #[error("agent {0} is disconnected")]
    AgentOffline(AgentId),
    #[error("agent {0} has no free capacity")]
    AgentAtCapacity(AgentId),
    #[error("offer {0} not found")]
    OfferNotFound(OfferId),
    #[error("offer {0} has expired")]
    OfferExpired(OfferId),
    #[error("offer {offer} was revoked ({reason})")]
    OfferRevoked { offer: OfferId, reason: RevokeReason },
    #[error("offer {0} was already answered")]
    OfferAnswered(OfferId),
    #[error("conversation {conversation} is not assigned to agent {agent}")]
    NotAssigned { conversation: ConversationId, agent: AgentId },
}

impl RoutingError {
    /// The protocol's error code for an `error` frame or an HTTP body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownQueue(_) | Self::UnknownConversation(_) | Self::UnknownAgent(_) | Self::OfferNotFound(_) => {
                "not_found"
            }
            Self::AlreadyRouted(_)
            | Self::AgentOffline(_)
            | Self::AgentAtCapacity(_)
            | Self::OfferExpired(_)
            | Self::OfferRevoked { .. }
            | Self::OfferAnswered(_)
            | Self::NotAssigned { .. } => "conflict",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        let expired = RoutingError::OfferExpired("o-1".into());
        assert_eq!(expired.code(), "conflict");
        assert_eq!(expired.to_string(), "offer o-1 has expired");
        let revoked = RoutingError::OfferRevoked { offer: "o-2".into(), reason: RevokeReason::Taken };
        assert_eq!(revoked.to_string(), "offer o-2 was revoked (taken)");
        assert_eq!(RoutingError::UnknownAgent("a".into()).code(), "not_found");
    }
}
