//! Rebuilding state after a restart from what the store says.
//!
//! Waiting conversations go back through `Router::enqueue` with their original `waiting_since`.
//! Assignments are registered here: no agent is connected yet, so each assigned agent starts a
//! grace period from the restore instant, exactly as if their connection had just dropped. An
//! agent who reconnects within it keeps their conversations; otherwise they return to the queue.

use super::Router;
use crate::agent::{Agent, Presence};
use crate::conversation::{Assignment, QueueEntry, Routed};
use crate::deadline::Deadline;
use crate::error::RoutingError;
use crate::ids::AgentId;
use crate::millis::Millis;

impl Router {
    /// Registers a stored assignment without producing actions: the store already holds it.
    pub fn restore_assignment(&mut self, now: Millis, entry: QueueEntry, agent: AgentId) -> Result<(), RoutingError> {
        if !self.queue_skills.contains_key(&entry.queue) {
            return Err(RoutingError::UnknownQueue(entry.queue));
        }
        if self.conversations.contains_key(&entry.conversation) {
            return Err(RoutingError::AlreadyRouted(entry.conversation));
        }
        let state = self.agents.entry(agent.clone()).or_insert_with(|| {
            let until = now + self.config.grace;
            self.deadlines.schedule(until, Deadline::Grace(agent.clone()));
            let mut state = Agent::new(now);
            state.presence = Presence::Disconnected { until };
            state
        });
        state.assigned.insert(entry.conversation.clone());
        self.conversations.insert(
            entry.conversation.clone(),
            Routed::Assigned(Assignment {
                entry,
                agent,
                // The assignment instant is not known, so this one yields no handling-time sample.
                assigned_at: None,
            }),
        );
        Ok(())
    }
}
