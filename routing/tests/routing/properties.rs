//! Property tests: random event sequences over a small configuration with skills, languages,
//! preferences, SLA targets, overflow, stickiness, give-back and per-channel capacities, checking
//! after every step what the engine promises whatever happens:
//!
//! * no agent holds more than their capacity, overall or on a channel (assigned plus offers);
//! * no conversation is both waiting and assigned, none has two owners or two offers, none is
//!   lost or invented;
//! * the requirements in force are exactly the configured ones for the time waited;
//! * nothing waits while an agent who could take it (requirements in force, room, not in a
//!   back-off) is available;
//! * urgent work is never behind non-urgent work of the same queue, and lines are in order;
//! * an agent lacking a required skill (queue's or entry's, never relaxed) is never offered it
//!   nor assigned it by accepting;
//! * the same events give the same actions.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use proptest::prelude::*;
use switchboard_routing::{
    Action, AgentId, AgentLoad, AgentProfile, AwayPolicy, ConversationId, LanguageRule, Millis, Overflow,
    PreferredSkill, Presence, Priority, QueueConfig, QueueEntry, QueueName, Router, RoutingConfig, Skills, Status,
    WaitingConversation,
};

use crate::support::{config, t};

const QUEUES: [&str; 3] = ["general", "backup", "refunds"];
const PRIORITIES: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];
const CHANNELS: [&str; 2] = ["chat", "email"];
const LANGUAGES: [Option<&str>; 3] = [None, Some("zh"), Some("en")];
const LANGUAGE_RELAX: Duration = Duration::from_secs(20);
const STICKY_WAIT: Duration = Duration::from_secs(20);

fn queues() -> Vec<QueueConfig> {
    let general = QueueConfig {
        language: LanguageRule::Required { relax_after: Some(LANGUAGE_RELAX) },
        preferred: vec![PreferredSkill { skill: "vip".into(), level: 1, relax_after: Duration::from_secs(10) }],
        first_response: BTreeMap::from([
            (Priority::Urgent, Duration::from_secs(30)),
            (Priority::High, Duration::from_secs(60)),
        ]),
        near_breach: Duration::from_secs(10),
        overflow: Some(Overflow { queue: "backup".into(), after: Duration::from_secs(90) }),
        sticky_wait: STICKY_WAIT,
        away: AwayPolicy::GiveBack,
        ..QueueConfig::new("general")
    };
    let backup = QueueConfig { language: LanguageRule::Ignore, ..QueueConfig::new("backup").with_skills(["en"]) };
    let refunds = QueueConfig {
        first_response: BTreeMap::from([(Priority::Normal, Duration::from_secs(40))]),
        overflow: Some(Overflow { queue: "backup".into(), after: Duration::ZERO }),
        language: LanguageRule::Required { relax_after: None },
        ..QueueConfig::new("refunds").with_skills(["refund:2"])
    };
    vec![general, backup, refunds]
}

/// A fixed pool, so an agent's capacity never shrinks below what they already hold.
fn profiles() -> Vec<AgentProfile> {
    vec![
        AgentProfile::new("a0", 2).with_channel_capacity("chat", 1).with_skills(["zh"]),
        AgentProfile::new("a1", 3)
            .with_channel_capacity("chat", 2)
            .with_channel_capacity("email", 2)
            .with_skills(["en", "refund:2"]),
        AgentProfile::new("a2", 1).with_skills(["en", "zh", "vip"]),
        AgentProfile::new("a3", 4).with_channel_capacity("email", 1).with_skills(["refund", "zh"]),
        AgentProfile::new("a4", 2).with_skills(["zh", "en", "refund:3", "vip"]),
    ]
}

#[derive(Debug, Clone)]
enum Op {
    Enqueue {
        queue: usize,
        priority: usize,
        channel: usize,
        language: usize,
        sticky: Option<usize>,
        age_s: i64,
    },
    Retriage {
        pick: usize,
        queue: usize,
        priority: usize,
    },
    Remove {
        pick: usize,
    },
    Connect {
        agent: usize,
        available: bool,
    },
    Disconnect {
        agent: usize,
    },
    SetStatus {
        agent: usize,
        available: bool,
    },
    Accept {
        pick: usize,
    },
    Decline {
        pick: usize,
    },
    Release {
        pick: usize,
    },
    Transfer {
        pick: usize,
        agent: usize,
    },
    /// Time passes beyond the usual step: deadlines fire late or in bunches.
    Tick {
        advance_s: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 0..4usize, 0..2usize, 0..3usize, prop::option::weighted(0.3, 0..5usize), 0..60i64).prop_map(
            |(queue, priority, channel, language, sticky, age_s)| Op::Enqueue {
                queue,
                priority,
                channel,
                language,
                sticky,
                age_s
            }
        ),
        1 => (any::<usize>(), 0..3usize, 0..4usize).prop_map(|(pick, queue, priority)| Op::Retriage { pick, queue, priority }),
        1 => any::<usize>().prop_map(|pick| Op::Remove { pick }),
        2 => (0..5usize, prop::bool::weighted(0.8)).prop_map(|(agent, available)| Op::Connect { agent, available }),
        1 => (0..5usize).prop_map(|agent| Op::Disconnect { agent }),
        1 => (0..5usize, any::<bool>()).prop_map(|(agent, available)| Op::SetStatus { agent, available }),
        3 => any::<usize>().prop_map(|pick| Op::Accept { pick }),
        2 => any::<usize>().prop_map(|pick| Op::Decline { pick }),
        2 => any::<usize>().prop_map(|pick| Op::Release { pick }),
        1 => (any::<usize>(), 0..5usize).prop_map(|(pick, agent)| Op::Transfer { pick, agent }),
        2 => (0..40i64).prop_map(|advance_s| Op::Tick { advance_s }),
    ]
}

fn pick<T: Clone>(items: &[T], n: usize) -> Option<T> {
    (!items.is_empty()).then(|| items[n % items.len()].clone())
}

fn meets(have: &Skills, need: &Skills) -> bool {
    need.iter().all(|(skill, level)| have.get(skill).is_some_and(|had| had >= level))
}

fn require(skills: &mut Skills, skill: &str, level: u8) {
    let entry = skills.entry(skill.to_owned()).or_insert(level);
    *entry = (*entry).max(level);
}

/// The queue's and the entry's skills: what never relaxes.
fn required(queues: &[QueueConfig], waiting: &WaitingConversation) -> Skills {
    let queue = queues.iter().find(|q| q.name == waiting.entry.queue).expect("configured");
    let mut required = queue.skills.clone();
    for (skill, level) in &waiting.entry.skills {
        require(&mut required, skill, *level);
    }
    required
}

/// What the configuration says is in force at `now`, computed independently of the engine.
fn in_force(queues: &[QueueConfig], waiting: &WaitingConversation, now: Millis) -> Skills {
    let queue = queues.iter().find(|q| q.name == waiting.entry.queue).expect("configured");
    let mut needs = required(queues, waiting);
    let since = waiting.entry.waiting_since;
    if let (LanguageRule::Required { relax_after }, Some(language)) = (queue.language, &waiting.entry.language)
        && relax_after.is_none_or(|after| now < since + after)
    {
        require(&mut needs, language, 1);
    }
    for preferred in &queue.preferred {
        if now < since + preferred.relax_after {
            require(&mut needs, &preferred.skill, preferred.level);
        }
    }
    needs
}

fn has_room(load: &AgentLoad, channel: &str) -> bool {
    let on_channel = load.per_channel.get(&channel.into()).copied().unwrap_or(0);
    load.load() < load.capacity.total as usize
        && load.capacity.per_channel.get(&channel.into()).is_none_or(|limit| on_channel < *limit as usize)
}

struct Model {
    router: Router,
    queues: Vec<QueueConfig>,
    now: Millis,
    next: usize,
    live: BTreeSet<ConversationId>,
}

impl Model {
    fn new() -> Self {
        let config = RoutingConfig { queues: queues(), offers_missed_before_away: 2, ..config() };
        Self {
            queues: config.queues.clone(),
            router: Router::new(config, t(0)).expect("valid"),
            now: t(0),
            next: 0,
            live: BTreeSet::new(),
        }
    }

    fn waiting(&self) -> Vec<WaitingConversation> {
        QUEUES.iter().flat_map(|queue| self.router.waiting(&QueueName::from(*queue))).collect()
    }

    fn outstanding(&self) -> Vec<(switchboard_routing::OfferId, AgentId)> {
        self.waiting().into_iter().filter_map(|w| w.offer).collect()
    }

    /// Applies one event the way the driver does; returns every action, in order.
    fn step(&mut self, op: &Op) -> Vec<Action> {
        self.now = Millis(self.now.0 + 1_500);
        let mut log = Vec::new();
        // Usually the driver has woken for every deadline.
        while let Some(due) = self.router.next_deadline().filter(|due| *due <= self.now) {
            log.extend(self.router.tick(due));
        }
        let now = self.now;
        let profiles = profiles();
        let live: Vec<ConversationId> = self.live.iter().cloned().collect();
        let result = match op {
            Op::Enqueue { queue, priority, channel, language, sticky, age_s } => {
                self.next += 1;
                let id = ConversationId::new(format!("c{}", self.next));
                let mut entry =
                    QueueEntry::new(id.clone(), QUEUES[*queue], PRIORITIES[*priority], Millis(now.0 - age_s * 1000))
                        .on_channel(CHANNELS[*channel]);
                if let Some(language) = LANGUAGES[*language] {
                    entry = entry.in_language(language);
                }
                if let Some(agent) = sticky {
                    entry = entry.sticky_to(profiles[*agent].id.clone());
                }
                self.live.insert(id);
                self.router.enqueue(now, entry)
            }
            Op::Retriage { pick: n, queue, priority } => match pick(&live, *n) {
                Some(id) => self
                    .router
                    .enqueue(now, QueueEntry::new(id, QUEUES[*queue], PRIORITIES[*priority], Millis(now.0 - 5_000))),
                None => Ok(self.router.tick(now)),
            },
            Op::Remove { pick: n } => match pick(&live, *n) {
                Some(id) => {
                    self.live.remove(&id);
                    Ok(self.router.remove(now, &id))
                }
                None => Ok(self.router.tick(now)),
            },
            Op::Connect { agent, available } => {
                let status = if *available { Status::Available } else { Status::Away };
                Ok(self.router.agent_connected(now, profiles[*agent].clone(), status))
            }
            Op::Disconnect { agent } => Ok(self.router.agent_disconnected(now, &profiles[*agent].id)),
            Op::SetStatus { agent, available } => {
                let status = if *available { Status::Available } else { Status::Away };
                self.router.set_status(now, &profiles[*agent].id, status)
            }
            Op::Accept { pick: n } => match pick(&self.outstanding(), *n) {
                Some((offer, agent)) => {
                    let conversation =
                        self.waiting().into_iter().find(|w| w.offer.as_ref().is_some_and(|(o, _)| *o == offer));
                    let result = self.router.accept(now, &agent, &offer);
                    if result.is_ok()
                        && let Some(waiting) = conversation
                    {
                        let skills = self.router.agent(&agent).map(|a| a.skills).unwrap_or_default();
                        assert!(
                            meets(&skills, &required(&self.queues, &waiting)),
                            "{agent} accepted {} without its required skills",
                            waiting.entry.conversation
                        );
                    }
                    result
                }
                None => Ok(self.router.tick(now)),
            },
            Op::Decline { pick: n } => match pick(&self.outstanding(), *n) {
                Some((offer, agent)) => self.router.decline(now, &agent, &offer),
                None => Ok(self.router.tick(now)),
            },
            Op::Release { pick: n } => {
                let assigned: Vec<(ConversationId, AgentId)> =
                    live.iter().filter_map(|c| self.router.assignee(c).map(|a| (c.clone(), a.clone()))).collect();
                match pick(&assigned, *n) {
                    Some((conversation, agent)) => {
                        let result = self.router.release(now, &agent, &conversation);
                        if result.is_ok() {
                            self.live.remove(&conversation);
                        }
                        result
                    }
                    None => Ok(self.router.tick(now)),
                }
            }
            Op::Transfer { pick: n, agent } => match pick(&live, *n) {
                Some(id) => self.router.transfer_to_agent(now, &id, &profiles[*agent].id),
                None => Ok(self.router.tick(now)),
            },
            Op::Tick { advance_s } => {
                self.now = Millis(now.0 + advance_s * 1000);
                Ok(self.router.tick(self.now))
            }
        };
        match result {
            Ok(actions) => log.extend(actions),
            // A refusal fires nothing; the driver ticks because deadlines may be due.
            Err(_) => log.extend(self.router.tick(self.now)),
        }
        log
    }

    fn check(&self) {
        let now = self.now;
        let agents: BTreeMap<AgentId, AgentLoad> =
            self.router.agents().into_iter().map(|a| (a.agent.clone(), a)).collect();
        let mut assigned = BTreeSet::new();
        for load in agents.values() {
            assert!(load.load() <= load.capacity.total as usize, "{load:?} over capacity");
            for (channel, limit) in &load.capacity.per_channel {
                let held = load.per_channel.get(channel).copied().unwrap_or(0);
                assert!(held <= *limit as usize, "{load:?} over capacity on {channel}");
            }
            for conversation in &load.assigned {
                assert!(assigned.insert(conversation.clone()), "{conversation} has two owners");
                assert_eq!(self.router.assignee(conversation), Some(&load.agent));
            }
        }
        let mut waiting_ids = BTreeSet::new();
        let mut offered = BTreeSet::new();
        for queue in QUEUES {
            let line = self.router.waiting(&queue.into());
            for (index, waiting) in line.iter().enumerate() {
                let id = &waiting.entry.conversation;
                assert!(waiting_ids.insert(id.clone()), "{id} waits twice");
                assert!(!assigned.contains(id), "{id} is both waiting and assigned");
                assert_eq!(
                    waiting.needs,
                    in_force(&self.queues, waiting, now),
                    "{id}: requirements in force at {now:?}"
                );
                if let Some(sticky) = &waiting.sticky {
                    assert_eq!(waiting.entry.sticky.as_ref(), Some(sticky));
                    assert!(now < waiting.entry.waiting_since + STICKY_WAIT, "{id}: stickiness past its wait");
                }
                if index > 0 {
                    let before = &line[index - 1];
                    assert!(
                        !(waiting.priority == Priority::Urgent && before.priority != Priority::Urgent),
                        "urgent {id} behind non-urgent {}",
                        before.entry.conversation
                    );
                    let key = |w: &WaitingConversation| {
                        (std::cmp::Reverse(w.priority), w.due.unwrap_or(Millis(i64::MAX)), w.entry.waiting_since)
                    };
                    assert!(key(before) <= key(waiting), "{queue}: line order");
                }
                match &waiting.offer {
                    Some((offer, agent)) => {
                        assert!(offered.insert(offer.clone()), "{offer} offered twice");
                        let load = &agents[agent];
                        assert!(load.offers.contains(offer), "{offer} not held by {agent}");
                        assert_eq!(load.presence, Presence::Available, "{id} offered to unavailable {agent}");
                        assert!(
                            meets(&load.skills, &required(&self.queues, waiting)),
                            "{id} offered to {agent} lacking skills"
                        );
                        assert!(meets(&load.skills, &waiting.needs), "{id} offered to {agent} lacking needs in force");
                    }
                    None => {
                        let idle = agents.values().find(|load| {
                            load.presence == Presence::Available
                                && has_room(load, waiting.entry.channel.as_str())
                                && meets(&load.skills, &waiting.needs)
                                && waiting.sticky.as_ref().is_none_or(|sticky| *sticky == load.agent)
                                && waiting.skipped.get(&load.agent).is_none_or(|from| *from <= now)
                        });
                        assert!(idle.is_none(), "{id} waits while {idle:?} could take it");
                    }
                }
            }
        }
        let held: usize = agents.values().map(|load| load.offers.len()).sum();
        assert_eq!(held, offered.len(), "offers without a waiting conversation");
        let routed: BTreeSet<_> = waiting_ids.union(&assigned).cloned().collect();
        assert_eq!(routed, self.live, "conversations lost or invented");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_keep_the_promises(ops in prop::collection::vec(op(), 1..120)) {
        let (mut model, mut twin) = (Model::new(), Model::new());
        for op in &ops {
            // The same events give the same actions.
            prop_assert_eq!(model.step(op), twin.step(op));
            model.check();
        }
    }
}
