//! The routing task: rebuilds the engine's state from the store at start, then handles one
//! command or deadline at a time, so routing decisions never race each other.

use std::sync::Arc;

use switchboard_routing::{self as engine, Router, Status};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::convert::{self, agent_id, conversation_id, millis};
use super::{Command, RoutingHandle};
use switchboard_channel::SharedClock;

use crate::config::RoutingConfig;
use crate::domain::{ConversationStatus, Millis};
use crate::events::EventBus;
use crate::hub::Hub;
use crate::store::{Store, StoreError};

/// Commands waiting for the routing task before senders wait too.
const COMMAND_QUEUE: usize = 4096;

pub(super) struct Driver {
    pub(super) router: Router,
    pub(super) store: Arc<dyn Store>,
    pub(super) hub: Arc<Hub>,
    pub(super) events: EventBus,
    pub(super) default_queue: String,
    pub(super) capacity: u32,
    pub(super) clock: SharedClock,
}

/// Rebuilds routing from the store and starts the routing task.
pub async fn start(
    store: Arc<dyn Store>,
    hub: Arc<Hub>,
    events: EventBus,
    config: &RoutingConfig,
    clock: SharedClock,
    cancel: CancellationToken,
    tasks: &TaskTracker,
) -> anyhow::Result<RoutingHandle> {
    let router =
        Router::new(convert::config(config), millis(clock.now())).map_err(|e| anyhow::anyhow!("routing.{e}"))?;
    let mut driver = Driver {
        router,
        store,
        hub,
        events,
        default_queue: config.default_queue.clone(),
        capacity: config.agent_capacity,
        clock,
    };
    driver.restore().await?;
    let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
    tasks.spawn(driver.run(rx, cancel));
    Ok(RoutingHandle { tx })
}

impl Driver {
    /// Waiting conversations go back in line with their original waiting time; assigned ones
    /// stay with their agent, who gets the reconnect grace to come back.
    async fn restore(&mut self) -> Result<(), StoreError> {
        let now = self.clock.now();
        let (mut waiting, mut assigned) = (0, 0);
        for c in self.store.open_conversations().await? {
            self.hub.track(&c);
            let entry = convert::entry(&c, &self.default_queue);
            match (&c.assignee, c.status) {
                (Some(agent), ConversationStatus::Assigned | ConversationStatus::WaitingOnCustomer) => {
                    if let Err(e) = self.router.restore_assignment(millis(now), entry, agent_id(agent)) {
                        tracing::warn!(conversation_id = %c.id, error = %e, "Assignment not restored");
                    }
                    assigned += 1;
                }
                _ => {
                    // Offers do not survive a restart: an offered conversation waits again.
                    if c.status == ConversationStatus::Offered {
                        self.requeue_offered(&c.id, now).await;
                    }
                    match self.router.enqueue(millis(now), entry) {
                        Ok(actions) => self.execute(actions).await,
                        Err(e) => tracing::warn!(conversation_id = %c.id, error = %e, "Conversation not requeued"),
                    }
                    waiting += 1;
                }
            }
        }
        tracing::info!(waiting, assigned, "Routing restored");
        Ok(())
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Command>, cancel: CancellationToken) {
        loop {
            // A deadline is re-read after every command: handling one may move it.
            let deadline = self.router.next_deadline();
            let due = match deadline {
                Some(at) => self.clock.sleep_until(Millis(at.0)),
                None => Box::pin(std::future::pending()),
            };
            tokio::select! {
                _ = cancel.cancelled() => return,
                command = rx.recv() => match command {
                    Some(c) => self.handle(c).await,
                    None => return,
                },
                _ = due => {
                    let actions = self.router.tick(millis(self.clock.now()));
                    self.execute(actions).await;
                }
            }
        }
    }

    async fn handle(&mut self, command: Command) {
        let now = millis(self.clock.now());
        match command {
            Command::Enqueue(c) => {
                self.hub.track(&c);
                match self.router.enqueue(now, convert::entry(&c, &self.default_queue)) {
                    Ok(actions) => self.execute(actions).await,
                    Err(e) => tracing::warn!(conversation_id = %c.id, error = %e, "Conversation not enqueued"),
                }
            }
            Command::Remove(id) => {
                let actions = self.router.remove(now, &conversation_id(&id));
                self.execute(actions).await;
            }
            Command::Connected { agent, reply } => {
                let id = agent_id(&agent.id);
                // A further session of an agent already online keeps the agent's presence;
                // only a first session (or one back within the grace) starts away.
                let status = match self.router.agent(&id).map(|a| a.presence) {
                    Some(engine::Presence::Available) => Status::Available,
                    Some(engine::Presence::Away) => Status::Away,
                    _ => {
                        let actions =
                            self.router.agent_connected(now, convert::profile(&agent, self.capacity), Status::Away);
                        self.execute(actions).await;
                        Status::Away
                    }
                };
                let _ = reply.send(status);
            }
            Command::Disconnected(agent) => {
                let actions = self.router.agent_disconnected(now, &agent_id(&agent));
                self.execute(actions).await;
            }
            Command::SetStatus { agent, status, reply } => {
                let result = self.router.set_status(now, &agent_id(&agent), status);
                let _ = reply.send(self.settle(result).await);
            }
            Command::Accept { agent, offer, reply } => {
                let result = self.router.accept(now, &agent_id(&agent), &engine::OfferId::new(offer));
                let _ = reply.send(self.settle(result).await);
            }
            Command::Decline { agent, offer, reply } => {
                let result = self.router.decline(now, &agent_id(&agent), &engine::OfferId::new(offer));
                let _ = reply.send(self.settle(result).await);
            }
            Command::TransferToAgent { conversation, agent, reply } => {
                let result = self.router.transfer_to_agent(now, &conversation_id(&conversation), &agent_id(&agent));
                let _ = reply.send(self.settle(result).await);
            }
            Command::Release { agent, conversation } => {
                match self.router.release(now, &agent_id(&agent), &conversation_id(&conversation)) {
                    Ok(actions) => self.execute(actions).await,
                    // Resolved by someone other than its holder: it just leaves routing.
                    Err(_) => {
                        let actions = self.router.remove(now, &conversation_id(&conversation));
                        self.execute(actions).await;
                    }
                }
            }
        }
    }

    /// Executes the actions of an accepted event and passes on a refusal.
    async fn settle(
        &mut self,
        result: Result<Vec<engine::Action>, engine::RoutingError>,
    ) -> Result<(), engine::RoutingError> {
        let actions = result?;
        self.execute(actions).await;
        Ok(())
    }
}
