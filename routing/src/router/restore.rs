//! Rebuilding state after a restart from what the store says.
//!
//! Waiting conversations go back through `Router::enqueue` with their original `waiting_since`.
//! Assignments are registered here: no agent is connected yet, so each assigned agent starts a
//! grace period from the restore instant, exactly as if their connection had just dropped. An
//! agent who reconnects within it keeps their conversations; otherwise they return to the queue.

use super::Router;
use super::state::{Assignment, Routed};
use crate::agent::{Agent, Presence};
use crate::conversation::QueueEntry;
use crate::deadline::Deadline;
use crate::error::RoutingError;
use crate::ids::AgentId;
use crate::millis::Millis;

impl Router {
    /// Registers a stored assignment without producing actions: the store already holds it. It
    /// counts toward the agent's load on its channel. Refused for an agent already connected
    /// without room for it (overall or on the channel, offers included), so capacity is never
    /// exceeded.
    pub fn restore_assignment(&mut self, now: Millis, entry: QueueEntry, agent: AgentId) -> Result<(), RoutingError> {
        if !self.queue_index.contains_key(&entry.queue) {
            return Err(RoutingError::UnknownQueue(entry.queue));
        }
        if self.conversations.contains_key(&entry.conversation) {
            return Err(RoutingError::AlreadyRouted(entry.conversation));
        }
        match self.agents.get(&agent) {
            // Offers count too: restore returns no actions, so it cannot withdraw one to make room.
            Some(state) if !state.is_disconnected() && state.spare_on(&entry.channel).is_none() => {
                return Err(RoutingError::AgentAtCapacity(agent));
            }
            Some(_) => {}
            None => {
                let until = now + self.config.grace;
                self.deadlines.schedule(until, Deadline::Grace(agent.clone()));
                let mut state = Agent::new(now);
                state.presence = Presence::Disconnected { until };
                self.agents.insert(agent.clone(), state);
                self.index_agent(&agent, true, true);
            }
        }
        self.with_agent(&agent, |state| {
            state.assigned.insert(entry.conversation.clone(), entry.channel.clone());
            state.hold(&entry.channel);
        });
        self.conversations.insert(
            entry.conversation.clone(),
            Routed::Assigned(Assignment {
                entry,
                agent,
                // The assignment instant is not known, so this one yields no handling-time sample.
                assigned_at: None,
                raised: None,
            }),
        );
        Ok(())
    }
}
