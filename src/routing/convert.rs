//! Translation between the daemon's domain values and the routing engine's.

use switchboard_routing as engine;

use crate::config::RoutingConfig;
use crate::domain::{self, AgentId, Conversation, ConversationId, Millis, Priority};

pub fn millis(m: Millis) -> engine::Millis {
    engine::Millis(m.0)
}

pub fn conversation_id(id: &ConversationId) -> engine::ConversationId {
    engine::ConversationId::new(id.as_str())
}

pub fn agent_id(id: &AgentId) -> engine::AgentId {
    engine::AgentId::new(id.as_str())
}

pub fn domain_conversation_id(id: &engine::ConversationId) -> ConversationId {
    ConversationId(id.as_str().to_owned())
}

pub fn domain_agent_id(id: &engine::AgentId) -> AgentId {
    AgentId(id.as_str().to_owned())
}

fn priority(p: Priority) -> engine::Priority {
    match p {
        Priority::Low => engine::Priority::Low,
        Priority::Normal => engine::Priority::Normal,
        Priority::High => engine::Priority::High,
        Priority::Urgent => engine::Priority::Urgent,
    }
}

/// The queue entry of a conversation; one without a queue (triage has not run) waits in the
/// default queue.
pub fn entry(c: &Conversation, default_queue: &str) -> engine::QueueEntry {
    let queue = c.queue.as_deref().unwrap_or(default_queue);
    engine::QueueEntry::new(conversation_id(&c.id), queue, priority(c.priority), millis(c.waiting_since))
}

pub fn profile(agent: &domain::Agent, capacity: u32) -> engine::AgentProfile {
    engine::AgentProfile::new(agent_id(&agent.id), capacity).with_skills(agent.skills.iter().cloned())
}

pub fn config(c: &RoutingConfig) -> engine::RoutingConfig {
    let mut queues: Vec<engine::QueueConfig> = c
        .queues
        .iter()
        .map(|q| engine::QueueConfig::new(q.name.as_str()).with_skills(q.skills.iter().cloned()))
        .collect();
    if !c.queues.iter().any(|q| q.name == c.default_queue) {
        queues.push(engine::QueueConfig::new(c.default_queue.as_str()));
    }
    engine::RoutingConfig {
        queues,
        default_queue: engine::QueueName::new(c.default_queue.as_str()),
        offer_timeout: std::time::Duration::from_secs(c.offer_timeout_s),
        grace: std::time::Duration::from_secs(c.reconnect_grace_s),
        ..engine::RoutingConfig::default()
    }
}
