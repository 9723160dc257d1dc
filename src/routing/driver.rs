//! The routing task: rebuilds the engine's state from the store at start, then takes the
//! commands waiting for it a batch at a time, so routing decisions never race each other
//! and a burst of them shares its store commits.

use std::sync::Arc;

use switchboard_routing::{self as engine, Router, RoutingError, Status};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::convert::{self, agent_id, conversation_id, millis};
use super::stats::StatsFeed;
use super::{AgentStatus, Command, RoutingHandle};
use switchboard_channel::SharedClock;

use crate::callbacks::RoutingNotices;
use crate::config::RoutingConfig;
use crate::domain::{ConversationStatus, Millis};
use crate::events::EventBus;
use crate::hub::Hub;
use crate::store::{Store, StoreError};
use crate::system_messages::SystemMessages;

/// Commands waiting for the routing task before senders wait too.
const COMMAND_QUEUE: usize = 4096;
/// Most commands decided before their actions are carried out: enough for a burst to share
/// a commit, few enough that the first of them is not kept waiting long.
const BATCH: usize = 256;

pub(super) struct Driver {
    pub(super) router: Router,
    pub(super) store: Arc<dyn Store>,
    pub(super) hub: Arc<Hub>,
    pub(super) events: EventBus,
    pub(super) config: RoutingConfig,
    pub(super) clock: SharedClock,
    pub(super) system: SystemMessages,
    pub(super) stats: StatsFeed,
    pub(super) callbacks: RoutingNotices,
}

/// What routing needs of the rest of the daemon.
pub struct RoutingParts {
    pub store: Arc<dyn Store>,
    pub hub: Arc<Hub>,
    pub events: EventBus,
    pub clock: SharedClock,
    /// Writes the answer a customer gets outside business hours.
    pub system: SystemMessages,
    /// Hears when a callback conversation is taken or given back.
    pub callbacks: RoutingNotices,
}

/// An answer owed to a command's sender once its actions are carried out.
enum Reply {
    Status(oneshot::Sender<AgentStatus>, AgentStatus),
    Done(oneshot::Sender<Result<(), RoutingError>>),
}

/// Keeps what an accepted request decided, to answer it once that is recorded; a refused
/// one changed nothing and is answered at once.
fn answer(
    result: Result<Vec<engine::Action>, RoutingError>,
    reply: oneshot::Sender<Result<(), RoutingError>>,
    out: &mut Vec<engine::Action>,
    replies: &mut Vec<Reply>,
) {
    match result {
        Ok(actions) => {
            out.extend(actions);
            replies.push(Reply::Done(reply));
        }
        Err(e) => {
            let _ = reply.send(Err(e));
        }
    }
}

/// Rebuilds routing from the store and starts the routing task.
pub async fn start(
    parts: RoutingParts,
    config: &RoutingConfig,
    cancel: CancellationToken,
    tasks: &TaskTracker,
) -> anyhow::Result<RoutingHandle> {
    let engine_config = convert::engine_config(config).map_err(|e| anyhow::anyhow!("routing: {e}"))?;
    let router = Router::new(engine_config, millis(parts.clock.now())).map_err(|e| anyhow::anyhow!("routing: {e}"))?;
    let mut driver = Driver {
        router,
        store: parts.store,
        hub: parts.hub,
        events: parts.events,
        config: config.clone(),
        stats: StatsFeed::new(parts.clock.now()),
        clock: parts.clock,
        system: parts.system,
        callbacks: parts.callbacks,
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
        let mut actions = Vec::new();
        for c in self.store.open_conversations().await? {
            self.hub.track(&c);
            if c.held_until.is_some_and(|t| t > now) {
                continue;
            }
            let mut entry = convert::entry(&c, &self.config.default_queue, None);
            // A target met or missed before the restart is settled: no second breach.
            if c.sla_breached || c.first_response_at.is_some() {
                entry = entry.settled();
            }
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
                        Ok(more) => actions.extend(more),
                        Err(e) => tracing::warn!(conversation_id = %c.id, error = %e, "Conversation not requeued"),
                    }
                    waiting += 1;
                }
            }
        }
        self.execute(actions).await;
        self.stats.restore(self.store.as_ref(), now).await;
        tracing::info!(waiting, assigned, "Routing restored");
        Ok(())
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Command>, cancel: CancellationToken) {
        loop {
            // Deadlines are re-read after every batch: handling one may move them.
            let due = match self.router.next_deadline() {
                Some(at) => self.clock.sleep_until(Millis(at.0)),
                None => Box::pin(std::future::pending()),
            };
            let stats_due = match self.stats.next_push() {
                Some(at) => self.clock.sleep_until(at),
                None => Box::pin(std::future::pending()),
            };
            tokio::select! {
                _ = cancel.cancelled() => return,
                command = rx.recv() => match command {
                    Some(first) => {
                        let mut batch = vec![first];
                        while batch.len() < BATCH
                            && let Ok(more) = rx.try_recv()
                        {
                            batch.push(more);
                        }
                        self.handle(batch).await;
                    }
                    None => return,
                },
                _ = due => {
                    let actions = self.router.tick(millis(self.clock.now()));
                    self.execute(actions).await;
                }
                _ = stats_due => self.push_stats(),
            }
        }
    }

    /// Decides every command of the batch, carries out all their actions (their store writes
    /// share one commit), then answers the senders.
    async fn handle(&mut self, batch: Vec<Command>) {
        let now = millis(self.clock.now());
        let mut actions = Vec::new();
        let mut replies = Vec::new();
        for command in batch {
            self.decide(command, now, &mut actions, &mut replies);
        }
        self.execute(actions).await;
        for reply in replies {
            match reply {
                Reply::Status(to, status) => {
                    let _ = to.send(status);
                }
                Reply::Done(to) => {
                    let _ = to.send(Ok(()));
                }
            }
        }
    }

    fn decide(
        &mut self,
        command: Command,
        now: engine::Millis,
        out: &mut Vec<engine::Action>,
        replies: &mut Vec<Reply>,
    ) {
        match command {
            Command::Enqueue { conversation: c, returning } => {
                self.hub.track(&c);
                // Held out of routing (a callback scheduled for later): whoever holds it
                // enqueues it again when its time comes.
                if c.held_until.is_some_and(|t| t.0 > now.0) {
                    return;
                }
                match self.router.enqueue(now, convert::entry(&c, &self.config.default_queue, returning.as_ref())) {
                    Ok(actions) => out.extend(actions),
                    Err(e) => tracing::warn!(conversation_id = %c.id, error = %e, "Conversation not enqueued"),
                }
            }
            Command::Remove(id) => out.extend(self.router.remove(now, &conversation_id(&id))),
            Command::SetAside(id) => out.extend(self.router.set_aside(now, &conversation_id(&id))),
            Command::Connected { agent, reply } => {
                let id = agent_id(&agent.id);
                self.stats.named(&agent);
                // A further session of an agent already online keeps the agent's presence;
                // only a first session (or one back within the grace) starts away.
                let status = match self.router.agent(&id).map(|a| a.presence) {
                    Some(engine::Presence::Available) => Status::Available,
                    Some(engine::Presence::Away) => Status::Away,
                    _ => {
                        out.extend(self.router.agent_connected(
                            now,
                            convert::profile(&agent, &self.config),
                            Status::Away,
                        ));
                        Status::Away
                    }
                };
                replies.push(Reply::Status(reply, status));
            }
            Command::Disconnected(agent) => {
                self.stats.unsubscribe(&agent);
                out.extend(self.router.agent_disconnected(now, &agent_id(&agent)));
            }
            Command::SetStatus { agent, status, reply } => {
                answer(self.router.set_status(now, &agent_id(&agent), status), reply, out, replies)
            }
            Command::Accept { agent, offer, reply } => {
                answer(self.router.accept(now, &agent_id(&agent), &engine::OfferId::new(offer)), reply, out, replies)
            }
            Command::Decline { agent, offer, reply } => {
                answer(self.router.decline(now, &agent_id(&agent), &engine::OfferId::new(offer)), reply, out, replies)
            }
            Command::TransferToAgent { conversation, agent, reply } => {
                let result = self.router.transfer_to_agent(now, &conversation_id(&conversation), &agent_id(&agent));
                answer(result, reply, out, replies)
            }
            Command::Release { agent, conversation } => {
                self.stats.handled(&agent, self.clock.now());
                match self.router.release(now, &agent_id(&agent), &conversation_id(&conversation)) {
                    Ok(actions) => out.extend(actions),
                    // Resolved by someone other than its holder: it just leaves routing.
                    Err(_) => out.extend(self.router.remove(now, &conversation_id(&conversation))),
                }
            }
            Command::SubscribeStats { agent, on } => {
                if on {
                    self.stats.subscribe(agent);
                } else {
                    self.stats.unsubscribe(&agent);
                }
            }
        }
    }

    /// Sends subscribed supervisors the current `stats`.
    fn push_stats(&mut self) {
        let now = self.clock.now();
        let frame = self.stats.frame(&self.router, now);
        for supervisor in self.stats.subscribers() {
            self.hub.to_agent(supervisor, frame.clone(), None);
        }
        self.stats.pushed(now);
    }
}
