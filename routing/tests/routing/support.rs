//! Shared fixtures: a configuration with skill-restricted queues, instants in seconds, and
//! helpers that pick actions out of a result.

use std::time::Duration;

use switchboard_routing::{
    Action, AgentId, AgentProfile, ConversationId, Decision, DecisionKind, Millis, OfferId, Priority, QueueConfig,
    QueueEntry, Router, RoutingConfig, Status,
};

/// An arbitrary epoch, so tests never depend on the real clock.
const EPOCH: i64 = 1_800_000_000_000;

/// `seconds` after the test epoch.
pub fn t(seconds: i64) -> Millis {
    Millis(EPOCH + seconds * 1000)
}

/// `general` (anyone), `chinese` (needs `zh`), `refunds` (needs `refund`); 30 s offers, 60 s
/// grace, 120 s before a decliner is offered the same conversation again.
pub fn config() -> RoutingConfig {
    RoutingConfig {
        queues: vec![
            QueueConfig::new("general"),
            QueueConfig::new("chinese").with_skills(["zh"]),
            QueueConfig::new("refunds").with_skills(["refund"]),
        ],
        default_queue: "general".into(),
        offer_timeout: Duration::from_secs(30),
        grace: Duration::from_secs(60),
        reoffer_after: Duration::from_secs(120),
        handling_samples: 10,
        default_handling_time: Duration::from_secs(300),
        // Set per test where the missed-offers rule is under test.
        offers_missed_before_away: 0,
    }
}

pub fn router() -> Router {
    Router::new(config(), t(0)).expect("the test configuration is valid")
}

pub fn general(id: &str, priority: Priority, waiting_since: Millis) -> QueueEntry {
    QueueEntry::new(id, "general", priority, waiting_since)
}

/// Connects an available agent.
pub fn connect(router: &mut Router, now: Millis, id: &str, capacity: u32, skills: &[&str]) -> Vec<Action> {
    let profile = AgentProfile::new(id, capacity).with_skills(skills.iter().copied());
    router.agent_connected(now, profile, Status::Available)
}

/// Every `Offer` in `actions`, as (offer, conversation, agent).
pub fn offers(actions: &[Action]) -> Vec<(OfferId, ConversationId, AgentId)> {
    actions
        .iter()
        .filter_map(|action| match action {
            Action::Offer { offer_id, conversation, agent, .. } => {
                Some((offer_id.clone(), conversation.clone(), agent.clone()))
            }
            _ => None,
        })
        .collect()
}

/// The single offer in `actions`; fails the test otherwise.
pub fn only_offer(actions: &[Action]) -> (OfferId, ConversationId, AgentId) {
    let mut all = offers(actions);
    assert_eq!(all.len(), 1, "expected exactly one offer in {actions:#?}");
    all.remove(0)
}

/// `actions` without the position reports and explanations, for comparing the decisions alone.
pub fn decisions(actions: Vec<Action>) -> Vec<Action> {
    actions.into_iter().filter(|action| !matches!(action, Action::QueuePositions(_) | Action::Explain(_))).collect()
}

/// Enqueues and returns the actions, failing the test on a refusal.
pub fn enqueue(router: &mut Router, now: Millis, entry: QueueEntry) -> Vec<Action> {
    router.enqueue(now, entry).expect("the queue exists")
}

/// The test configuration with `queues` instead of its own.
pub fn config_with(queues: Vec<QueueConfig>) -> RoutingConfig {
    RoutingConfig { queues, ..config() }
}

pub fn router_with(queues: Vec<QueueConfig>) -> Router {
    Router::new(config_with(queues), t(0)).expect("the test configuration is valid")
}

/// Connects an available agent with a full profile.
pub fn connect_profile(router: &mut Router, now: Millis, profile: AgentProfile) -> Vec<Action> {
    router.agent_connected(now, profile, Status::Available)
}

/// Every explanation in `actions`.
pub fn explanations(actions: &[Action]) -> Vec<Decision> {
    actions
        .iter()
        .filter_map(|action| match action {
            Action::Explain(decision) => Some(decision.clone()),
            _ => None,
        })
        .collect()
}

/// The explanation of the offer of `conversation` in `actions`.
pub fn offer_explanation(actions: &[Action], conversation: &str) -> Decision {
    explanations(actions)
        .into_iter()
        .find(|d| {
            d.kind == DecisionKind::Offered && d.conversation.as_ref().is_some_and(|c| c.as_str() == conversation)
        })
        .unwrap_or_else(|| panic!("no offer explanation for {conversation} in {actions:#?}"))
}

/// The conversations waiting in `queue`, first in line first.
pub fn line(router: &Router, queue: &str) -> Vec<String> {
    router.waiting(&queue.into()).into_iter().map(|w| w.entry.conversation.to_string()).collect()
}

/// Accepts `offer` as `agent`, failing the test on a refusal.
pub fn accept(router: &mut Router, now: Millis, offer: &(OfferId, ConversationId, AgentId)) -> Vec<Action> {
    router.accept(now, &offer.2, &offer.0).expect("open offer")
}
