//! Carrying out what the engine decided: store writes first, then frames, so nobody is told
//! of an assignment that is not recorded.

use std::sync::Arc;

use switchboard_channel::CustomerEvent;
use switchboard_routing::{Action, RevokeReason};

use super::convert::{domain_agent_id, domain_conversation_id};
use super::driver::Driver;
use crate::agent_wire::frames::ConsoleFrame;
use crate::agent_wire::view;
use crate::domain::{AgentId, Conversation, ConversationId, ConversationStatus, Millis};
use crate::events::Event;
use crate::hub::Frame;
use crate::store::{Actor, StatusChange};

fn frame(json: String) -> Frame {
    Arc::from(json)
}

impl Driver {
    pub(super) async fn execute(&mut self, actions: Vec<Action>) {
        for action in actions {
            self.execute_one(action).await;
        }
    }

    async fn execute_one(&mut self, action: Action) {
        let now = self.clock.now();
        match action {
            Action::Offer { offer_id, conversation, agent, expires_at } => {
                let id = domain_conversation_id(&conversation);
                let Some(c) = self.move_to(&id, ConversationStatus::Offered, None, None, "offer", now).await else {
                    return;
                };
                match view::load_summary(self.store.as_ref(), &c).await {
                    Ok(summary) => {
                        let expires_in_s = ((expires_at.0 - now.0).max(0) as u64).div_ceil(1000);
                        let f = ConsoleFrame::Offer {
                            offer_id: offer_id.as_str().to_owned(),
                            conversation: summary,
                            expires_in_s,
                        };
                        self.hub.to_agent(&domain_agent_id(&agent), frame(f.to_json()), None);
                        tracing::info!(conversation_id = %id, agent_id = %agent, offer_id = %offer_id, "Offered");
                    }
                    Err(e) => tracing::warn!(conversation_id = %id, error = %e, "Offer not sent"),
                }
            }
            Action::RevokeOffer { offer_id, agent, conversation, reason } => {
                let f = ConsoleFrame::OfferRevoked { offer_id: offer_id.as_str().to_owned(), reason: reason.as_str() };
                self.hub.to_agent(&domain_agent_id(&agent), frame(f.to_json()), None);
                if reason != RevokeReason::Taken {
                    self.requeue_offered(&domain_conversation_id(&conversation), now).await;
                }
            }
            Action::Assigned { conversation, agent } => {
                let (id, agent) = (domain_conversation_id(&conversation), domain_agent_id(&agent));
                // The agent hears of the conversation first as a whole (see `Hub::hold_for`).
                self.hub.hold_for(&id, &agent);
                let Some(c) = self
                    .move_to(&id, ConversationStatus::Assigned, Some(Some(agent.clone())), None, "assigned", now)
                    .await
                else {
                    self.hub.release(&id, None);
                    return;
                };
                self.announce_assignment(&c, &agent).await;
            }
            Action::Unassigned { conversation, agent, reason } => {
                let f = ConsoleFrame::Unassigned {
                    conversation_id: conversation.as_str().to_owned(),
                    reason: reason.as_str(),
                };
                self.hub.to_agent(&domain_agent_id(&agent), frame(f.to_json()), None);
                tracing::info!(conversation_id = %conversation, agent_id = %agent, reason = reason.as_str(), "Unassigned");
            }
            Action::Requeued { conversation, queue } => {
                let id = domain_conversation_id(&conversation);
                self.move_to(
                    &id,
                    ConversationStatus::Queued,
                    Some(None),
                    Some(queue.as_str().to_owned()),
                    "requeued",
                    now,
                )
                .await;
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
        }
    }

    /// Tells the agent (the whole conversation, ending the hold on its frames) and the
    /// customer (the agent's name).
    async fn announce_assignment(&self, c: &Conversation, agent: &AgentId) {
        self.events.publish(Event::Conversation(c.clone()));
        match view::load_conversation_with_ids(self.store.as_ref(), c).await {
            Ok((conversation, shown)) => {
                let assigned = frame(ConsoleFrame::Assigned { conversation }.to_json());
                self.hub.release(&c.id, Some((assigned, shown)));
            }
            Err(e) => {
                tracing::warn!(conversation_id = %c.id, error = %e, "Assignment not sent to the agent");
                self.hub.release(&c.id, None);
            }
        }
        let name = match self.store.agent(agent).await {
            Ok(Some(a)) => a.name,
            _ => String::new(),
        };
        let event = CustomerEvent::Assigned { conversation_id: c.id.to_string(), agent_name: name };
        self.events.live().push(c.channel, &c.customer_id, &event, None);
        tracing::info!(conversation_id = %c.id, agent_id = %agent, "Assigned");
    }

    /// An offered conversation waits again (the offer lapsed, was declined or withdrawn).
    pub(super) async fn requeue_offered(&self, id: &ConversationId, now: Millis) {
        match self.store.conversation(id).await {
            Ok(Some(c)) if c.status == ConversationStatus::Offered => {
                self.move_to(id, ConversationStatus::Queued, None, None, "offer_ended", now).await;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(conversation_id = %id, error = %e, "Conversation not read"),
        }
    }

    /// Records a status change; a refusal or failure is logged and yields `None`.
    async fn move_to(
        &self,
        id: &ConversationId,
        to: ConversationStatus,
        assignee: Option<Option<AgentId>>,
        queue: Option<String>,
        reason: &str,
        now: Millis,
    ) -> Option<Conversation> {
        let change = StatusChange { to, assignee, queue, actor: Actor::System, reason: reason.into(), now };
        match self.store.change_status(id, change).await {
            Ok(c) => {
                self.hub.track(&c);
                Some(c)
            }
            Err(e) => {
                tracing::warn!(conversation_id = %id, to = to.as_str(), error = %e, "Status not changed");
                None
            }
        }
    }
}
