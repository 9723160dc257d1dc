//! Carrying out what the engine decided: store writes first, then frames, so nobody is told
//! of an assignment that is not recorded. Every write of a list of actions is submitted
//! before the first is awaited, so they share one commit; the frames then go out in order.

use std::sync::Arc;

use futures::future::BoxFuture;
use futures::{StreamExt, stream};
use serde_json::json;
use switchboard_channel::{ChannelKind, CustomerEvent};
use switchboard_routing::{Action, Decision, RevokeReason, StatusReason};

use super::convert::{domain_agent_id, domain_conversation_id, domain_priority};
use super::driver::Driver;
use super::hours;
use crate::agent_wire::frames::ConsoleFrame;
use crate::agent_wire::view::{self, ConversationView, Summary};
use crate::callbacks::RoutingNotice;
use crate::domain::{Actor, AgentId, Conversation, ConversationId, ConversationStatus, Millis};
use crate::events::Event;
use crate::hub::{Frame, Shown};
use crate::store::{RoutingNote, StatusChange, Store, StoreError};

fn frame(json: String) -> Frame {
    Arc::from(json)
}

/// A write under way for an action.
type Write = BoxFuture<'static, Result<Conversation, StoreError>>;

impl Driver {
    pub(super) async fn execute(&mut self, actions: Vec<Action>) {
        if actions.is_empty() {
            return;
        }
        self.stats.changed();
        let now = self.clock.now();
        let steps: Vec<(Action, Option<Write>)> = actions
            .into_iter()
            .map(|action| {
                let write = self.write_for(&action, now);
                (action, write)
            })
            .collect();
        let mut recorded = Vec::with_capacity(steps.len());
        for (action, write) in steps {
            let written = match write {
                Some(write) => match write.await {
                    Ok(c) => {
                        self.hub.track(&c);
                        Some(c)
                    }
                    // A lapsed offer of a conversation closed meanwhile has nothing to undo;
                    // the agent still hears the offer is gone.
                    Err(e) if matches!(action, Action::RevokeOffer { .. }) => {
                        tracing::debug!(error = %e, "Offered conversation not put back in line");
                        None
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, ?action, "Routing decision not recorded");
                        if let Action::Assigned { conversation, .. } = &action {
                            self.hub.release(&domain_conversation_id(conversation), None);
                        }
                        continue;
                    }
                },
                None => None,
            };
            recorded.push((action, written));
        }
        // What the frames show is read for several actions at once, and used in order.
        let store = self.store.clone();
        let wanted: Vec<_> = recorded.iter().map(|(action, written)| (shows(action), written.clone())).collect();
        let mut views = stream::iter(wanted)
            .map(|(shows, written)| load_view(store.clone(), shows, written))
            .buffered(VIEWS_AT_ONCE);
        for (action, written) in recorded {
            let view = views.next().await.flatten();
            self.announce(action, written, view, now).await;
        }
    }

    /// Submits the store write an action needs, if any.
    fn write_for(&self, action: &Action, now: Millis) -> Option<Write> {
        let status = |id: &switchboard_routing::ConversationId, change: StatusChange| {
            Some(self.store.change_status(&domain_conversation_id(id), change))
        };
        let note = |id: &switchboard_routing::ConversationId, note: RoutingNote| {
            Some(self.store.record_routing(&domain_conversation_id(id), note))
        };
        match action {
            Action::Offer { conversation, .. } => {
                status(conversation, system_move(ConversationStatus::Offered, "offer", now))
            }
            Action::Assigned { conversation, agent } => {
                // The agent hears of the conversation first as a whole (see `Hub::hold_for`).
                self.hub.hold_for(&domain_conversation_id(conversation), &domain_agent_id(agent));
                let change = StatusChange {
                    assignee: Some(Some(domain_agent_id(agent))),
                    ..system_move(ConversationStatus::Assigned, "assigned", now)
                };
                status(conversation, change)
            }
            Action::Requeued { conversation, queue } => {
                let change = StatusChange {
                    assignee: Some(None),
                    queue: Some(queue.as_str().to_owned()),
                    ..system_move(ConversationStatus::Queued, "requeued", now)
                };
                status(conversation, change)
            }
            Action::Explain(decision) => {
                let conversation = decision.conversation.as_ref()?;
                note(conversation, explained(decision, now))
            }
            Action::SlaBreached { conversation, queue, priority } => {
                let detail = json!({ "queue": queue.as_str(), "priority": domain_priority(*priority).as_str() });
                let raised = RoutingNote {
                    priority: Some(domain_priority(*priority)),
                    breached: true,
                    ..routing_note("sla_breached", detail, now)
                };
                note(conversation, raised)
            }
            Action::Moved { conversation, from, to, reason } => {
                let detail = json!({ "from": from.as_str(), "to": to.as_str(), "reason": reason.as_str() });
                note(
                    conversation,
                    RoutingNote { queue: Some(to.as_str().to_owned()), ..routing_note("moved", detail, now) },
                )
            }
            // The conversation waits again, unless another agent took it: the write goes in
            // line before any new offer of it in the same list.
            Action::RevokeOffer { conversation, reason, .. } if *reason != RevokeReason::Taken => {
                status(conversation, system_move(ConversationStatus::Queued, "offer_ended", now))
            }
            Action::RevokeOffer { .. }
            | Action::Unassigned { .. }
            | Action::QueuePositions(_)
            | Action::StatusChanged { .. }
            | Action::OutsideHours { .. } => None,
        }
    }

    /// Tells whoever an action concerns, once its write (if any) is recorded.
    async fn announce(&mut self, action: Action, written: Option<Conversation>, view: Option<View>, now: Millis) {
        match action {
            Action::Offer { offer_id, agent, expires_at, .. } => {
                let (Some(c), Some(View::Summary(summary))) = (written, view) else { return };
                match *summary {
                    Ok(summary) => {
                        let expires_in_s = ((expires_at.0 - now.0).max(0) as u64).div_ceil(1000);
                        let f = ConsoleFrame::Offer {
                            offer_id: offer_id.as_str().to_owned(),
                            conversation: summary,
                            expires_in_s,
                        };
                        self.hub.to_agent(&domain_agent_id(&agent), frame(f.to_json()), None);
                        tracing::info!(conversation_id = %c.id, agent_id = %agent, offer_id = %offer_id, "Offered");
                    }
                    Err(e) => tracing::warn!(conversation_id = %c.id, error = %e, "Offer not sent"),
                }
            }
            Action::RevokeOffer { offer_id, agent, conversation, reason } => {
                let f = ConsoleFrame::OfferRevoked { offer_id: offer_id.as_str().to_owned(), reason: reason.as_str() };
                self.hub.to_agent(&domain_agent_id(&agent), frame(f.to_json()), None);
                tracing::info!(conversation_id = %conversation, agent_id = %agent, reason = reason.as_str(), "Offer revoked");
            }
            Action::Assigned { agent, .. } => {
                if let (Some(c), Some(View::Conversation(loaded))) = (written, view) {
                    let agent = domain_agent_id(&agent);
                    self.announce_assignment(&c, &agent, *loaded);
                    if c.channel == ChannelKind::Callback {
                        self.callbacks.send(RoutingNotice::Assigned { conversation: c.id.clone(), agent });
                    }
                }
            }
            // Recorded by its write; the agent heard `unassigned` just before.
            Action::Requeued { .. } => {
                if let Some(c) = written.filter(|c| c.channel == ChannelKind::Callback) {
                    self.callbacks.send(RoutingNotice::Requeued(c.id));
                }
            }
            Action::Unassigned { conversation, agent, reason } => {
                let f = ConsoleFrame::Unassigned {
                    conversation_id: conversation.as_str().to_owned(),
                    reason: reason.as_str(),
                };
                self.hub.to_agent(&domain_agent_id(&agent), frame(f.to_json()), None);
                tracing::info!(conversation_id = %conversation, agent_id = %agent, reason = reason.as_str(), "Unassigned");
            }
            Action::QueuePositions(positions) => {
                for p in positions {
                    let id = domain_conversation_id(&p.conversation);
                    if let Some((channel, customer)) = self.hub.customer_of(&id) {
                        let event = CustomerEvent::Queue {
                            conversation_id: id.to_string(),
                            position: p.position,
                            estimated_wait_s: p.estimated_wait_s,
                        };
                        self.events.live().push(channel, &customer, &event, None);
                    }
                }
            }
            Action::Explain(decision) => {
                tracing::debug!(conversation_id = ?decision.conversation, kind = decision.kind.as_str(), text = %decision.text, "Routing decision");
            }
            Action::SlaBreached { conversation, queue, priority } => {
                if let Some(c) = written {
                    self.events.publish(Event::Conversation(c));
                }
                tracing::warn!(conversation_id = %conversation, queue = %queue, "First-response target breached");
                let f = ConsoleFrame::SlaBreached {
                    conversation_id: conversation.as_str().to_owned(),
                    queue: queue.as_str().to_owned(),
                    priority: domain_priority(priority).as_str(),
                    moved_to: self.config.queue(queue.as_str()).and_then(|q| q.overflow),
                };
                let f = frame(f.to_json());
                for supervisor in self.stats.subscribers() {
                    self.hub.to_agent(supervisor, f.clone(), None);
                }
            }
            Action::Moved { conversation, to, reason, .. } => {
                if let Some(c) = written {
                    self.events.publish(Event::Conversation(c));
                }
                tracing::info!(conversation_id = %conversation, queue = %to, reason = reason.as_str(), "Moved to another queue");
            }
            Action::StatusChanged { agent, status, reason } => {
                let StatusReason::MissedOffers(missed) = reason;
                let f = ConsoleFrame::Status {
                    status: super::status_name(status),
                    reason: Some("missed_offers".to_owned()),
                    agent: None,
                };
                self.hub.to_agent(&domain_agent_id(&agent), frame(f.to_json()), None);
                tracing::info!(agent_id = %agent, missed, "Set away after offers in a row timed out");
            }
            Action::OutsideHours { conversation, queue, opens_at } => {
                self.answer_outside_hours(&domain_conversation_id(&conversation), &queue, opens_at).await;
            }
        }
    }

    /// Tells the agent (the whole conversation, ending the hold on its frames) and the
    /// customer (the agent's name).
    fn announce_assignment(
        &self,
        c: &Conversation,
        agent: &AgentId,
        loaded: Result<(ConversationView, Shown), StoreError>,
    ) {
        self.events.publish(Event::Conversation(c.clone()));
        match loaded {
            Ok((conversation, shown)) => {
                let assigned = frame(ConsoleFrame::Assigned { conversation }.to_json());
                self.hub.release(&c.id, Some((assigned, shown)));
            }
            Err(e) => {
                tracing::warn!(conversation_id = %c.id, error = %e, "Assignment not sent to the agent");
                self.hub.release(&c.id, None);
            }
        }
        let name = self.stats.name_of(agent).unwrap_or_default().to_owned();
        let event = CustomerEvent::Assigned { conversation_id: c.id.to_string(), agent_name: name };
        self.events.live().push(c.channel, &c.customer_id, &event, None);
        tracing::info!(conversation_id = %c.id, agent_id = %agent, "Assigned");
    }

    /// The customer of a conversation that arrived while its queue is closed hears when it
    /// opens, in their language; the conversation stays in line.
    async fn answer_outside_hours(
        &self,
        id: &ConversationId,
        queue: &switchboard_routing::QueueName,
        opens_at: Option<switchboard_routing::Millis>,
    ) {
        let c = match self.store.conversation(id).await {
            Ok(Some(c)) => c,
            Ok(None) => return,
            Err(e) => return tracing::warn!(conversation_id = %id, error = %e, "Conversation not read"),
        };
        let Some(hours) = self.config.queue(queue.as_str()).and_then(|q| q.hours) else {
            return;
        };
        let text = hours::closed_notice(&hours, opens_at.map(|at| Millis(at.0)), c.language.as_deref(), c.channel);
        // Once per conversation and opening: a customer who writes again while closed is
        // not told twice.
        let key = format!("outside-hours:{id}:{}", opens_at.map_or(0, |at| at.0));
        match self.system.send(id, key, &text).await {
            Ok(true) => tracing::info!(conversation_id = %id, queue = %queue, "Outside business hours; customer told"),
            Ok(false) => {}
            Err(e) => tracing::warn!(conversation_id = %id, error = %e, "Outside-hours answer not recorded"),
        }
    }

    /// An offered conversation waits again (the offer lapsed, was declined or withdrawn).
    pub(super) async fn requeue_offered(&self, id: &ConversationId, now: Millis) {
        match self.store.conversation(id).await {
            Ok(Some(c)) if c.status == ConversationStatus::Offered => {
                let change = system_move(ConversationStatus::Queued, "offer_ended", now);
                match self.store.change_status(id, change).await {
                    Ok(c) => self.hub.track(&c),
                    Err(e) => tracing::warn!(conversation_id = %id, error = %e, "Status not changed"),
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(conversation_id = %id, error = %e, "Conversation not read"),
        }
    }
}

/// Views read for the frames of that many actions at once.
const VIEWS_AT_ONCE: usize = 8;

/// What an action's frame shows, read from the store (boxed: views are large and moved often).
enum View {
    Summary(Box<Result<Summary, StoreError>>),
    Conversation(Box<Result<(ConversationView, Shown), StoreError>>),
}

/// Which view an action's frame shows.
#[derive(Clone, Copy)]
enum Shows {
    Summary,
    Conversation,
}

fn shows(action: &Action) -> Option<Shows> {
    match action {
        Action::Offer { .. } => Some(Shows::Summary),
        Action::Assigned { .. } => Some(Shows::Conversation),
        _ => None,
    }
}

/// Reads the view an offer or an assignment shows, for a conversation whose write succeeded.
async fn load_view(store: Arc<dyn Store>, shows: Option<Shows>, written: Option<Conversation>) -> Option<View> {
    let c = written?;
    Some(match shows? {
        Shows::Summary => View::Summary(Box::new(view::load_summary(store.as_ref(), &c).await)),
        Shows::Conversation => View::Conversation(Box::new(view::load_conversation_with_ids(store.as_ref(), &c).await)),
    })
}

/// A status move routing makes on its own.
fn system_move(to: ConversationStatus, reason: &str, now: Millis) -> StatusChange {
    StatusChange { to, assignee: None, queue: None, actor: Actor::System, reason: reason.into(), now }
}

fn routing_note(kind: &str, detail: serde_json::Value, now: Millis) -> RoutingNote {
    RoutingNote {
        actor: Actor::System,
        kind: kind.to_owned(),
        detail,
        priority: None,
        queue: None,
        breached: false,
        now,
    }
}

/// A decision as the audit log keeps it: `routing` rows that `route explain` reads back.
fn explained(decision: &Decision, now: Millis) -> RoutingNote {
    let detail = json!({
        "decision": decision.kind.as_str(),
        "agent": decision.agent.as_ref().map(|a| a.as_str()),
        "text": decision.text,
    });
    routing_note("routing", detail, now)
}
