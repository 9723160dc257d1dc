//! What the console's login handler and sessions share: the parts of the daemon an agent's
//! actions reach, handed over by the wiring so the console depends on nothing above it.

use std::sync::Arc;

use switchboard_channel::SharedClock;
use switchboard_channel::websocket::ConnectionSlots;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::login::LoginLimits;
use super::token::AgentTokens;
use crate::callbacks::Callbacks;
use crate::config::ConsoleConfig;
use crate::events::EventBus;
use crate::hub::Hub;
use crate::playbook::Playbook;
use crate::routing::RoutingHandle;
use crate::store::Store;
use crate::triage::Triager;

pub struct ConsoleState {
    pub config: ConsoleConfig,
    /// Every queue an agent may transfer a conversation to (the default queue included).
    pub queues: Vec<String>,
    pub store: Arc<dyn Store>,
    pub events: EventBus,
    pub hub: Arc<Hub>,
    pub routing: RoutingHandle,
    /// Records the outcomes of agents' calls.
    pub callbacks: Callbacks,
    /// Account actions and identity verification.
    pub playbook: Playbook,
    pub triage: Arc<Triager>,
    pub clock: SharedClock,
    /// The cap on open console connections.
    pub slots: Arc<ConnectionSlots>,
    pub agent_tokens: AgentTokens,
    pub login_limits: LoginLimits,
    /// Wakes the outbox dispatcher after a reply is committed.
    pub outbox_wake: Arc<Notify>,
    /// Fires when the daemon begins to shut down; open sessions close with 1001.
    pub shutdown: CancellationToken,
    /// Open sessions run as its tasks, so shutdown waits for their close frames.
    pub tasks: TaskTracker,
    /// How long after a chat reply it is also sent by email, to a customer with a known
    /// address who is not in the app by then; `None` when email is not configured.
    pub chat_by_email_after: Option<std::time::Duration>,
}
