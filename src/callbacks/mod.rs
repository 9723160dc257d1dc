//! Phone callbacks in the daemon: the desk the callback channel hands requests to, the
//! schedule that brings each request up at its time (its window, calling hours, the next
//! attempt), and what a call's outcome does to the request and its conversation. The rules of
//! when a customer may be called and what an outcome leads to are the channel's own (its
//! [`CallbackService`]); the daemon keeps the state and carries them out.

mod desk;
mod notices;
mod outcome;
mod schedule;

use std::sync::{Arc, OnceLock};

use switchboard_channel::{CallbackRecord, CallbackService, SharedClock};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::domain::{AgentId, ConversationId};
use crate::events::EventBus;
use crate::hub::Hub;
use crate::ingest::Ingestor;
use crate::routing::RoutingHandle;
use crate::store::Store;
use crate::system_messages::SystemMessages;
use schedule::Timers;

pub use desk::CallbackRefusal;

/// Routing notices a callback conversation is waiting for before they are dropped (and the
/// request's state is set right at the next restart).
const NOTICE_QUEUE: usize = 4096;

/// What routing tells the callbacks of their conversations.
#[derive(Clone, Debug)]
pub enum RoutingNotice {
    /// An agent took a callback conversation: the call is theirs to make.
    Assigned { conversation: ConversationId, agent: AgentId },
    /// A callback conversation went back to its queue (its agent went offline).
    Requeued(ConversationId),
}

/// Where routing sends its notices; cheap to clone.
#[derive(Clone)]
pub struct RoutingNotices(mpsc::Sender<RoutingNotice>);

impl RoutingNotices {
    pub fn channel() -> (Self, mpsc::Receiver<RoutingNotice>) {
        let (tx, rx) = mpsc::channel(NOTICE_QUEUE);
        (Self(tx), rx)
    }

    /// Never waits: routing must not be held up by the callbacks.
    pub fn send(&self, notice: RoutingNotice) {
        if let Err(e) = self.0.try_send(notice) {
            tracing::warn!(error = %e, "Callback notice dropped");
        }
    }
}

/// What the callbacks need of the rest of the daemon.
pub struct CallbackParts {
    pub store: Arc<dyn Store>,
    pub ingestor: Ingestor,
    pub routing: RoutingHandle,
    pub events: EventBus,
    pub hub: Arc<Hub>,
    pub system: SystemMessages,
    pub clock: SharedClock,
    pub tasks: TaskTracker,
}

/// The daemon's callback desk. Cheap to clone.
#[derive(Clone)]
pub struct Callbacks {
    inner: Arc<Inner>,
}

struct Inner {
    parts: CallbackParts,
    /// The channel's rules and dialer, set once the channel has started (it is started with
    /// this desk).
    service: OnceLock<Arc<dyn CallbackService>>,
    timers: Timers,
}

impl Callbacks {
    pub fn new(parts: CallbackParts) -> Self {
        Self { inner: Arc::new(Inner { parts, service: OnceLock::new(), timers: Timers::default() }) }
    }

    /// Hands the desk the channel's rules and dialer, then brings every open request up at its
    /// time and follows routing's notices until `cancel` fires.
    pub async fn start(
        &self,
        service: Arc<dyn CallbackService>,
        notices: mpsc::Receiver<RoutingNotice>,
        cancel: CancellationToken,
    ) -> Result<(), crate::store::StoreError> {
        if self.inner.service.set(service).is_err() {
            tracing::warn!("Callback service set twice; the first stays");
        }
        let open = self.parts().store.open_callbacks().await?;
        let now = self.parts().clock.now();
        for r in &open {
            self.reconcile(r).await;
            self.inner.timers.at(r.next_attempt_at.unwrap_or(now), &r.id);
        }
        tracing::info!(open = open.len(), "Callbacks restored");
        let tasks = &self.parts().tasks;
        tasks.spawn(self.clone().run_schedule(cancel.clone()));
        tasks.spawn(self.clone().follow_routing(notices, cancel));
        Ok(())
    }

    fn parts(&self) -> &CallbackParts {
        &self.inner.parts
    }

    /// The channel's rules and dialer. Requests arrive only through the channel, which is
    /// started before it serves any, so the service is there for every call that needs it.
    fn service(&self) -> Option<&Arc<dyn CallbackService>> {
        self.inner.service.get()
    }

    async fn follow_routing(self, mut notices: mpsc::Receiver<RoutingNotice>, cancel: CancellationToken) {
        loop {
            let notice = tokio::select! {
                _ = cancel.cancelled() => return,
                notice = notices.recv() => match notice {
                    Some(notice) => notice,
                    None => return,
                },
            };
            match notice {
                RoutingNotice::Assigned { conversation, agent } => self.assigned(&conversation, &agent).await,
                RoutingNotice::Requeued(conversation) => self.requeued(&conversation).await,
            }
        }
    }

    /// Tells the agents of a callback conversation where the request stands now.
    fn announce(&self, r: &CallbackRecord, detail: Option<String>) {
        let id = ConversationId(r.conversation_id.clone());
        self.parts().hub.to_conversation_agents(&id, callback_frame(r, detail), None, None);
    }

    /// Tells one agent where the request stands now.
    fn announce_to(&self, agent: &AgentId, r: &CallbackRecord) {
        self.parts().hub.to_agent(agent, callback_frame(r, None), None);
    }
}

fn callback_frame(r: &CallbackRecord, detail: Option<String>) -> crate::hub::Frame {
    let frame = crate::agent_wire::frames::ConsoleFrame::Callback {
        conversation_id: r.conversation_id.clone(),
        callback: crate::agent_wire::view::callback_view(r),
        detail,
    };
    Arc::from(frame.to_json())
}
