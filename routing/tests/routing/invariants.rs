//! Seeded random event sequences, driven the way the daemon's driver does, checking after every
//! step that the engine's promises hold:
//!
//! * no agent holds more conversations plus offers than their capacity;
//! * no conversation is both waiting and assigned, and none is lost or invented;
//! * a conversation has at most one outstanding offer, to an available agent with the skills;
//! * a waiting conversation without an offer has no eligible agent with room;
//! * queue positions follow the line order;
//! * nothing due is left pending after an accepted event;
//! * the same seed gives the same actions.

use std::collections::{BTreeMap, BTreeSet};

use switchboard_routing::{
    Action, AgentId, AgentProfile, ConversationId, Millis, OfferId, Presence, Priority, QueueEntry, QueueName, Router,
    Status,
};

use crate::support::{config, t};

/// SplitMix64: a tiny, well-mixed generator, so the sequence depends on the seed alone.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() { None } else { Some(&items[self.below(items.len())]) }
    }
}

const QUEUES: [&str; 3] = ["general", "chinese", "refunds"];
const PRIORITIES: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];

/// A fixed pool, so an agent's capacity never shrinks below what they already hold.
fn profiles() -> Vec<AgentProfile> {
    vec![
        AgentProfile::new("a0", 1),
        AgentProfile::new("a1", 2).with_skills(["zh"]),
        AgentProfile::new("a2", 3).with_skills(["zh", "refund"]),
        AgentProfile::new("a3", 1).with_skills(["en"]),
        AgentProfile::new("a4", 2).with_skills(["en", "refund", "zh"]),
    ]
}

fn queue_skills(queue: &QueueName) -> BTreeMap<String, u8> {
    config().queues.into_iter().find(|q| q.name == *queue).map(|q| q.skills).unwrap_or_default()
}

/// One simulated run; returns every action in order.
fn run(seed: u64, steps: usize) -> Vec<Action> {
    let mut rng = Rng(seed);
    let mut router = Router::new(config(), t(0)).expect("valid");
    let profiles = profiles();
    let mut live: BTreeSet<ConversationId> = BTreeSet::new();
    let mut seen_offers: Vec<OfferId> = Vec::new();
    let mut next_conversation = 0;
    let mut now = t(0);
    let mut log = Vec::new();

    for step in 0..steps {
        now = Millis(now.0 + rng.below(20_000) as i64);
        // Usually the driver has woken for every deadline; sometimes it is late.
        if rng.chance(80) {
            while let Some(due) = router.next_deadline().filter(|due| *due <= now) {
                log.extend(router.tick(due));
            }
        }
        let outstanding: Vec<(OfferId, AgentId)> =
            router.agents().into_iter().flat_map(|a| a.offers.into_iter().map(move |o| (o, a.agent.clone()))).collect();
        let live_list: Vec<ConversationId> = live.iter().cloned().collect();
        let agent = profiles[rng.below(profiles.len())].clone();

        let result = match rng.below(12) {
            0 | 1 => {
                next_conversation += 1;
                let id = ConversationId::new(format!("c{next_conversation}"));
                let mut entry = QueueEntry::new(
                    id.clone(),
                    QUEUES[rng.below(QUEUES.len())],
                    PRIORITIES[rng.below(PRIORITIES.len())],
                    Millis(now.0 - rng.below(100_000) as i64),
                );
                if rng.chance(30) {
                    entry.skills.insert(["zh", "en"][rng.below(2)].to_owned(), 1);
                }
                live.insert(id);
                router.enqueue(now, entry)
            }
            2 => match rng.pick(&live_list) {
                // Re-triage or a transfer to a queue.
                Some(id) => router.enqueue(
                    now,
                    QueueEntry::new(
                        id.clone(),
                        QUEUES[rng.below(QUEUES.len())],
                        PRIORITIES[rng.below(PRIORITIES.len())],
                        Millis(now.0 - rng.below(100_000) as i64),
                    ),
                ),
                None => Ok(router.tick(now)),
            },
            3 => {
                let id = rng.pick(&live_list).cloned().unwrap_or_else(|| "unknown".into());
                live.remove(&id);
                Ok(router.remove(now, &id))
            }
            4 => {
                let status = if rng.chance(70) { Status::Available } else { Status::Away };
                Ok(router.agent_connected(now, agent, status))
            }
            5 => {
                let status = if rng.chance(50) { Status::Available } else { Status::Away };
                router.set_status(now, &agent.id, status)
            }
            6 => Ok(router.agent_disconnected(now, &agent.id)),
            7 | 8 => {
                let (offer, owner) = answer_target(&mut rng, &outstanding, &seen_offers, &agent);
                router.accept(now, &owner, &offer)
            }
            9 => {
                let (offer, owner) = answer_target(&mut rng, &outstanding, &seen_offers, &agent);
                router.decline(now, &owner, &offer)
            }
            10 => match rng.pick(&live_list) {
                Some(id) => router.transfer_to_agent(now, id, &agent.id),
                None => Ok(router.tick(now)),
            },
            _ => {
                let assigned: Vec<(ConversationId, AgentId)> =
                    live_list.iter().filter_map(|c| router.assignee(c).map(|a| (c.clone(), a.clone()))).collect();
                match rng.pick(&assigned) {
                    Some((conversation, holder)) => {
                        let releaser = if rng.chance(90) { holder.clone() } else { agent.id.clone() };
                        let result = router.release(now, &releaser, conversation);
                        if result.is_ok() {
                            live.remove(conversation);
                        }
                        result
                    }
                    None => Ok(router.tick(now)),
                }
            }
        };
        let actions = match result {
            Ok(actions) => {
                assert!(
                    router.next_deadline().is_none_or(|due| due > now),
                    "seed {seed} step {step}: a due deadline was left pending"
                );
                actions
            }
            // A refusal fires nothing; the driver ticks because the deadline is due.
            Err(_) => router.tick(now),
        };
        for action in &actions {
            if let Action::Offer { offer_id, .. } = action {
                seen_offers.push(offer_id.clone());
            }
        }
        log.extend(actions);
        check(&router, &live, now, seed, step);
    }
    log
}

/// Mostly a real outstanding offer by its agent; sometimes a stale offer or the wrong agent.
fn answer_target(
    rng: &mut Rng,
    outstanding: &[(OfferId, AgentId)],
    seen: &[OfferId],
    agent: &AgentProfile,
) -> (OfferId, AgentId) {
    match rng.pick(outstanding) {
        Some(open) if rng.chance(75) => open.clone(),
        _ => (rng.pick(seen).cloned().unwrap_or_else(|| "none".into()), agent.id.clone()),
    }
}

/// Every required skill at its level or above.
fn has(skills: &BTreeMap<String, u8>, required: &BTreeMap<String, u8>) -> bool {
    required.iter().all(|(skill, level)| skills.get(skill).is_some_and(|had| had >= level))
}

fn check(router: &Router, live: &BTreeSet<ConversationId>, now: Millis, seed: u64, step: usize) {
    let at = format!("seed {seed} step {step}");
    let agents: BTreeMap<AgentId, _> = router.agents().into_iter().map(|a| (a.agent.clone(), a)).collect();

    let mut assigned = BTreeSet::new();
    for load in agents.values() {
        assert!(load.load() <= load.capacity.total as usize, "{at}: {load:?} over capacity");
        for conversation in &load.assigned {
            assert!(assigned.insert(conversation.clone()), "{at}: {conversation} assigned twice");
            assert_eq!(router.assignee(conversation), Some(&load.agent), "{at}");
        }
    }

    let mut waiting = BTreeSet::new();
    let mut offered = BTreeMap::new();
    for queue in QUEUES.map(QueueName::from) {
        let line = router.waiting(&queue);
        let queue_required = queue_skills(&queue);
        for (index, conversation) in line.iter().enumerate() {
            let entry = &conversation.entry;
            assert!(waiting.insert(entry.conversation.clone()), "{at}: waiting twice");
            assert!(!assigned.contains(&entry.conversation), "{at}: {} both waiting and assigned", entry.conversation);
            let position = router.position(&entry.conversation).expect("reported");
            assert_eq!(position.position as usize, index + 1, "{at}: position");
            if index > 0 {
                let before = &line[index - 1].entry;
                assert!(
                    (before.priority, std::cmp::Reverse(before.waiting_since))
                        >= (entry.priority, std::cmp::Reverse(entry.waiting_since)),
                    "{at}: line order"
                );
            }
            let mut required = queue_required.clone();
            required.extend(entry.skills.iter().map(|(skill, level)| (skill.clone(), *level)));
            match &conversation.offer {
                Some((offer, agent)) => {
                    let load = &agents[agent];
                    assert!(load.offers.contains(offer), "{at}: offer not held by its agent");
                    assert_eq!(load.presence, Presence::Available, "{at}: offer to unavailable");
                    assert!(has(&load.skills, &required), "{at}: offer lacks skills");
                    assert!(offered.insert(offer.clone(), agent.clone()).is_none(), "{at}");
                }
                None => {
                    let idle = agents.values().find(|load| {
                        load.presence == Presence::Available
                            && load.load() < load.capacity.total as usize
                            && has(&load.skills, &required)
                            && conversation.skipped.get(&load.agent).is_none_or(|from| *from <= now)
                    });
                    assert!(idle.is_none(), "{at}: {} waits while {idle:?} could take it", entry.conversation);
                }
            }
        }
    }
    let held: usize = agents.values().map(|load| load.offers.len()).sum();
    assert_eq!(held, offered.len(), "{at}: offers without a waiting conversation");

    let routed: BTreeSet<_> = waiting.union(&assigned).cloned().collect();
    assert_eq!(&routed, live, "{at}: conversations lost or invented");
}

#[test]
fn random_sequences_keep_the_invariants() {
    let mut kinds = BTreeSet::new();
    for seed in 1..=64 {
        for action in run(seed, 400) {
            kinds.insert(match action {
                Action::Offer { .. } => "offer".to_owned(),
                Action::RevokeOffer { reason, .. } => format!("revoke {reason}"),
                Action::Assigned { .. } => "assigned".to_owned(),
                Action::Unassigned { reason, .. } => format!("unassigned {reason}"),
                Action::Requeued { .. } => "requeued".to_owned(),
                Action::QueuePositions(_) => "positions".to_owned(),
                Action::Explain(decision) => format!("explain {}", decision.kind.as_str()),
                other => format!("{other:?}"),
            });
        }
    }
    // The sequences reach every kind of decision, so the checks above were not vacuous.
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "assigned",
            "explain enqueued",
            "explain offered",
            "explain requeued",
            "offer",
            "positions",
            "requeued",
            "revoke taken",
            "revoke timeout",
            "revoke withdrawn",
            "unassigned agent_offline",
            "unassigned closed",
            "unassigned requeued",
            "unassigned transferred",
        ]
    );
}

#[test]
fn the_same_events_give_the_same_actions() {
    assert_eq!(run(7, 300), run(7, 300));
}
