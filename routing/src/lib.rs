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
//! code for the `error` frame. [`Action::Explain`] changes no state: it is for the audit log and
//! supervisors. [`Router::queue_stats`], [`Router::agents`] and [`Router::waiting`] are read-only
//! views for dashboards.
//!
//! # Rules
//!
//! * **Channels and capacity.** Every conversation is on a channel (`chat` unless the entry says
//!   otherwise). An agent holds at most [`Capacity::total`] conversations (assigned plus
//!   outstanding offers) overall and, for each channel listed in [`Capacity::per_channel`], at
//!   most that many on the channel. No offer, transfer or restored assignment takes an agent past
//!   either; a profile lowered below what an agent holds keeps the assignments but withdraws
//!   offers until they are back under it.
//! * **Skills** have levels 1 to 9 (`refund`, `refund:2`, see [`parse_skill`]); an agent meets a
//!   requirement at their level or below. The queue's skills and the entry's own are required and
//!   never relax.
//! * **Language.** Under [`LanguageRule::Required`] the entry's language is a required skill
//!   (level 1) until the conversation has waited `relax_after` (from `waiting_since`); `None`
//!   never relaxes, [`LanguageRule::Ignore`] ignores it.
//! * **Preferred skills** ([`QueueConfig::preferred`]) are required until the conversation has
//!   waited each one's `relax_after`, each dropped at its own instant.
//! * Every relaxation, the end of stickiness, the near-breach and due instants and overflow take
//!   effect at exactly their instant: each waiting conversation has a deadline at its next change,
//!   and `Explain` (kind `relaxed`) says what was dropped.
//! * **Line order** within a queue: effective priority (most urgent first), then first-response
//!   due time (earliest first, none last), then `waiting_since`, then id. Agents take work across
//!   queues in the same order.
//! * **SLA.** The due time is `waiting_since` plus [`QueueConfig::first_response`] for the entry's
//!   priority (none listed: no SLA), or with `sla_pauses_outside_hours` that much open time of the
//!   queue's hours. From `due - near_breach` (when not zero) the conversation counts one priority
//!   higher; urgent stays urgent, so urgent work is never behind non-urgent work. Still waiting at
//!   the due time, it **breaches**: `SlaBreached` with the raised priority, which it keeps (also
//!   if requeued later), and with an overflow queue it moves there (`Moved`, reason `sla_breach`).
//!   A conversation breaches at most once, and not after it has been assigned.
//! * **Overflow.** Independently of the SLA, a conversation that has waited
//!   [`Overflow::after`] in a queue (counted from `waiting_since` for a new conversation, from
//!   entering for one moved or requeued; zero: only on breach) moves to the overflow queue
//!   (`Moved`, reason `overflow`), keeping its `waiting_since`; an outstanding offer to an agent
//!   who no longer fits is withdrawn. Overflow queues must exist, differ from the queue and not
//!   loop.
//! * **Choosing the agent.** An offer goes to an available agent with room overall and on the
//!   channel who has every skill in force; among those, the one with most spare capacity on the
//!   channel (its own limit where it has one, otherwise the total), then the one whose last offer
//!   is oldest (connection time before the first), then by id.
//! * **Sticky.** An entry with a sticky agent is, for the queue's `sticky_wait` after
//!   `waiting_since`, offered only to that agent, and waits while they cannot take it; then to
//!   anyone. A sticky agent who declines or lets the offer lapse ends the stickiness.
//! * A conversation has at most one outstanding offer. An agent who declines or lets it lapse is
//!   not offered it again while anyone else qualifies, and even then only after `reoffer_after`.
//! * **Missed offers.** An agent who lets `offers_missed_before_away` offers in a row time out
//!   (an accept or decline resets the count) is set away: `StatusChanged` (reason
//!   `MissedOffers`) after the revoke, and their other offers are withdrawn.
//! * **Away.** Going away (by choice or after missed offers) withdraws outstanding offers; with
//!   [`AwayPolicy::GiveBack`] the agent's conversations of that queue go back to it
//!   (`Unassigned` `agent_away`, then `Requeued`) with their original `waiting_since`.
//! * A disconnected agent keeps their assignments for `grace`; after it they return to their
//!   queue with their original `waiting_since`.
//! * **Business hours.** A new conversation entering a queue that is closed gets `OutsideHours`
//!   with the next opening; it still waits and is offered to any eligible agent present.
//! * **Matching** follows every event, and no eligible agent with room idles while work waits. It
//!   costs what the event changed: a conversation that became offerable looks for its agent in
//!   the channel's ranking of agents with room, grouped by skills; an agent who gained room looks
//!   at the head of each group of waiting conversations (per queue, channel and skills in force)
//!   they can serve. Nobody free costs nothing.
//! * **Explanations.** `Explain` precedes every `Offer`, `Moved`, `SlaBreached`, `StatusChanged`
//!   and `Requeued`, and follows every enqueue: what the conversation needs and when it is due,
//!   why this agent (skills, spare capacity on the channel, tie-break, stickiness, relaxations)
//!   and why not the others, by reason with counts and up to 3 example ids each.
//! * **Queue positions** are reported when they change, but bounded per event: a queue whose
//!   order or serving capacity changed has its first 100 positions recomputed at once, and a
//!   conversation that entered or moved in line gets its own position at once when within 500
//!   places of either end of its line; the rest are refreshed by a deadline at most 10 s later.
//!   So a queue of 10,000 where the head left costs 100 positions now and the rest once per
//!   10 s, however many events happen meanwhile.

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
