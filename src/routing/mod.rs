//! Routing in the daemon: one task owns the pure decision engine (`switchboard-routing`),
//! feeds it events, writes what it decides to the store and pushes the frames. Everything
//! else talks to that task through a [`RoutingHandle`].

mod actions;
mod convert;
mod driver;
mod hours;
mod selection;
mod stats;

use tokio::sync::{mpsc, oneshot};

use crate::domain::{Agent, AgentId, Conversation, ConversationId};
pub use convert::engine_config;
pub use driver::{RoutingParts, start};
pub use hours::{expected_response, local_time};
pub use selection::{Facts, QueueSelector, Selected};
pub use switchboard_routing::RoutingError;

/// Presence an agent can choose.
pub use switchboard_routing::Status as AgentStatus;

/// A status as frames spell it.
pub fn status_name(s: AgentStatus) -> &'static str {
    match s {
        AgentStatus::Available => "available",
        AgentStatus::Away => "away",
    }
}

/// Commands queued for the routing task.
enum Command {
    /// A conversation waits for an agent (new, reopened, or transferred to a queue); a
    /// returning customer's with the agent who last helped them.
    Enqueue {
        conversation: Conversation,
        returning: Option<AgentId>,
    },
    /// A conversation no longer needs routing (resolved or closed).
    Remove(ConversationId),
    /// A conversation leaves routing until it is enqueued again (a callback scheduled for
    /// later); its agent hears `rescheduled`.
    SetAside(ConversationId),
    /// An agent's first session opened; answers with the status the session starts in.
    Connected {
        agent: Agent,
        reply: oneshot::Sender<AgentStatus>,
    },
    /// An agent's last session closed: their conversations wait out the reconnect grace.
    Disconnected(AgentId),
    SetStatus {
        agent: AgentId,
        status: AgentStatus,
        reply: oneshot::Sender<Result<(), RoutingError>>,
    },
    Accept {
        agent: AgentId,
        offer: String,
        reply: oneshot::Sender<Result<(), RoutingError>>,
    },
    Decline {
        agent: AgentId,
        offer: String,
        reply: oneshot::Sender<Result<(), RoutingError>>,
    },
    TransferToAgent {
        conversation: ConversationId,
        agent: AgentId,
        reply: oneshot::Sender<Result<(), RoutingError>>,
    },
    /// The assignee resolved it: frees their capacity.
    Release {
        agent: AgentId,
        conversation: ConversationId,
    },
    /// A supervisor's sessions want `stats` frames, or no longer do.
    SubscribeStats {
        agent: AgentId,
        on: bool,
    },
}

/// Why a routing request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum RoutingUnavailable {
    #[error("routing is shutting down")]
    Stopped,
}

/// Talks to the routing task. Cheap to clone.
#[derive(Clone)]
pub struct RoutingHandle {
    tx: mpsc::Sender<Command>,
}

/// Either the engine refused, or the task is gone.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error(transparent)]
    Refused(#[from] RoutingError),
    #[error(transparent)]
    Unavailable(#[from] RoutingUnavailable),
}

impl RoutingHandle {
    async fn send(&self, command: Command) -> Result<(), RoutingUnavailable> {
        self.tx.send(command).await.map_err(|_| RoutingUnavailable::Stopped)
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, RoutingUnavailable> {
        let (reply, answer) = oneshot::channel();
        self.send(make(reply)).await?;
        answer.await.map_err(|_| RoutingUnavailable::Stopped)
    }

    pub async fn enqueue(&self, conversation: Conversation) -> Result<(), RoutingUnavailable> {
        self.enqueue_returning(conversation, None).await
    }

    /// Enqueues a returning customer's conversation, with the agent who last helped them.
    pub async fn enqueue_returning(
        &self,
        conversation: Conversation,
        returning: Option<AgentId>,
    ) -> Result<(), RoutingUnavailable> {
        self.send(Command::Enqueue { conversation, returning }).await
    }

    pub async fn remove(&self, conversation: ConversationId) -> Result<(), RoutingUnavailable> {
        self.send(Command::Remove(conversation)).await
    }

    pub async fn set_aside(&self, conversation: ConversationId) -> Result<(), RoutingUnavailable> {
        self.send(Command::SetAside(conversation)).await
    }

    pub async fn connected(&self, agent: Agent) -> Result<AgentStatus, RoutingUnavailable> {
        self.ask(|reply| Command::Connected { agent, reply }).await
    }

    pub async fn disconnected(&self, agent: AgentId) -> Result<(), RoutingUnavailable> {
        self.send(Command::Disconnected(agent)).await
    }

    pub async fn set_status(&self, agent: AgentId, status: AgentStatus) -> Result<(), RequestError> {
        Ok(self.ask(|reply| Command::SetStatus { agent, status, reply }).await??)
    }

    pub async fn accept(&self, agent: AgentId, offer: String) -> Result<(), RequestError> {
        Ok(self.ask(|reply| Command::Accept { agent, offer, reply }).await??)
    }

    pub async fn decline(&self, agent: AgentId, offer: String) -> Result<(), RequestError> {
        Ok(self.ask(|reply| Command::Decline { agent, offer, reply }).await??)
    }

    pub async fn transfer_to_agent(&self, conversation: ConversationId, agent: AgentId) -> Result<(), RequestError> {
        Ok(self.ask(|reply| Command::TransferToAgent { conversation, agent, reply }).await??)
    }

    pub async fn release(&self, agent: AgentId, conversation: ConversationId) -> Result<(), RoutingUnavailable> {
        self.send(Command::Release { agent, conversation }).await
    }

    pub async fn subscribe_stats(&self, agent: AgentId, on: bool) -> Result<(), RoutingUnavailable> {
        self.send(Command::SubscribeStats { agent, on }).await
    }
}
