//! Routing decisions for Switchboard: which waiting conversation is offered to which agent, when
//! offers lapse, and what happens when agents come and go.
//!
//! The engine is pure and deterministic: no I/O, no clock, no randomness. Time arrives as an
//! argument ([`Millis`]) and every decision comes back as a list of [`Action`]s.
//!
//! # Driving it
//!
//! One task owns the [`Router`]. It
//! 1. rebuilds state at start-up: [`Router::restore_assignment`] for every stored assignment and
//!    [`Router::enqueue`] for every waiting conversation, with its original `waiting_since`;
//! 2. for every event (a conversation queued or closed, an agent's session opening or closing, a
//!    status change, accept, decline, transfer, resolve) calls the matching method with the
//!    current time and executes the returned actions in order — store writes first, then frames;
//! 3. sleeps until the next event or [`Router::next_deadline`], whichever is sooner, and on the
//!    deadline calls [`Router::tick`].
//!
//! ```
//! use switchboard_routing::{
//!     Action, AgentProfile, Millis, Priority, QueueEntry, Router, RoutingConfig, Status,
//! };
//!
//! let now = Millis(1_800_000_000_000);
//! let mut router = Router::new(RoutingConfig::default(), now)?;
//! let _ = router.enqueue(now, QueueEntry::new("c1", "general", Priority::Urgent, now))?;
//! let actions = router.agent_connected(
//!     now,
//!     AgentProfile::new("ann", 3).with_skills(["en"]),
//!     Status::Available,
//! );
//! // Each decision is preceded by its explanation.
//! let Some(Action::Explain(why)) = actions.first() else {
//!     return Err("every offer is explained".into());
//! };
//! assert!(why.text.starts_with("c1 offered to ann"));
//! let Some(Action::Offer { offer_id, agent, .. }) = actions.get(1) else {
//!     return Err("ann is free and c1 waits, so c1 is offered to her".into());
//! };
//! let actions = router.accept(Millis(now.0 + 2_000), agent, offer_id)?;
//! assert!(actions.contains(&Action::Assigned { conversation: "c1".into(), agent: "ann".into() }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A refused event (`Err`) changed nothing; its [`RoutingError::code`] is the protocol's error
//! code for the `error` frame.
//!
//! # Rules
//!
//! * Line order is most urgent first, then longest waiting.
//! * An offer goes to an available agent with room (assigned plus outstanding offers below
//!   capacity) and every skill the queue and the conversation need; among those, the least
//!   loaded, then the one idle longest since their last assignment.
//! * A conversation has at most one outstanding offer. An agent who declines or lets it lapse is
//!   not offered it again while anyone else qualifies, and even then only after `reoffer_after`.
//! * Matching runs after every event, so no eligible agent with room idles while work waits.
//! * A disconnected agent keeps their assignments for `grace`; after it they return to their
//!   queue with their original `waiting_since`.

mod action;
mod agent;
mod config;
mod conversation;
mod deadline;
mod decision;
mod error;
mod estimate;
mod hours;
mod ids;
mod millis;
mod offer;
mod router;
mod skills;

pub use action::{Action, MoveReason, QueuePosition, RevokeReason, StatusReason, UnassignReason};
pub use agent::{AgentLoad, AgentProfile, Capacity, Presence, Status};
pub use config::{AwayPolicy, LanguageRule, Overflow, PreferredSkill, QueueConfig, RoutingConfig};
pub use conversation::{Priority, QueueEntry, WaitingConversation};
pub use decision::{Decision, DecisionKind};
pub use error::{ConfigError, RoutingError};
pub use hours::{BusinessHours, HoursError};
pub use ids::{AgentId, ChannelName, ConversationId, OfferId, QueueName};
pub use millis::Millis;
pub use router::{QueueStats, Router};
pub use skills::{MAX_SKILL_LEVEL, SkillError, Skills, parse_skill};
