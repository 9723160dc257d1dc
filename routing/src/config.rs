//! Routing configuration: the queues with their rules, and the timings of offers, grace periods
//! and re-offers.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::conversation::Priority;
use crate::error::ConfigError;
use crate::hours::BusinessHours;
use crate::ids::QueueName;
use crate::skills::{MAX_SKILL_LEVEL, Skills, add_spelled};

/// Whether a queue routes by the customer's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LanguageRule {
    /// The entry's language plays no part.
    Ignore,
    /// The entry's language is a required skill (level 1) until the conversation has waited
    /// `relax_after`; `None` never relaxes.
    Required { relax_after: Option<Duration> },
}

impl Default for LanguageRule {
    /// Required, relaxed after a minute.
    fn default() -> Self {
        Self::Required { relax_after: Some(Duration::from_secs(60)) }
    }
}

/// A skill the queue prefers: only agents having it are offered the conversation until it has
/// waited `relax_after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferredSkill {
    pub skill: String,
    pub level: u8,
    pub relax_after: Duration,
}

/// Where a queue's conversations go when they wait too long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow {
    pub queue: QueueName,
    /// Moved once it has waited this long in the queue; zero moves only on an SLA breach.
    pub after: Duration,
}

/// What happens to an agent's conversations of this queue when they go away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AwayPolicy {
    /// They stay with the agent.
    #[default]
    Keep,
    /// They go back to the queue with their original `waiting_since`.
    GiveBack,
}

/// One queue conversations wait in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    /// The queue's name, used by triage and by transfers.
    pub name: QueueName,
    /// Skills (with levels) every agent must have to be offered work from this queue.
    pub skills: Skills,
    pub language: LanguageRule,
    /// Preferences, each dropped at its own `relax_after`.
    pub preferred: Vec<PreferredSkill>,
    /// First-response target per priority; a priority not listed has no SLA.
    pub first_response: BTreeMap<Priority, Duration>,
    /// From `due - near_breach` a conversation counts one priority higher; zero is off.
    pub near_breach: Duration,
    /// `None` is always open.
    pub hours: Option<BusinessHours>,
    /// The first-response clock stops while `hours` are closed.
    pub sla_pauses_outside_hours: bool,
    pub overflow: Option<Overflow>,
    /// How long a conversation with a sticky agent is offered to that agent only; zero is off.
    pub sticky_wait: Duration,
    pub away: AwayPolicy,
}

impl QueueConfig {
    /// A queue open to every agent, always open, without SLA, overflow or stickiness, requiring
    /// the customer's language for a minute.
    pub fn new(name: impl Into<QueueName>) -> Self {
        Self {
            name: name.into(),
            skills: Skills::new(),
            language: LanguageRule::default(),
            preferred: Vec::new(),
            first_response: BTreeMap::new(),
            near_breach: Duration::ZERO,
            hours: None,
            sla_pauses_outside_hours: false,
            overflow: None,
            sticky_wait: Duration::ZERO,
            away: AwayPolicy::Keep,
        }
    }

    /// The same queue, restricted to agents having all of `skills` (`refund` or `refund:2`).
    pub fn with_skills<S: Into<String>>(mut self, skills: impl IntoIterator<Item = S>) -> Self {
        add_spelled(&mut self.skills, skills);
        self
    }

    /// Open at `at`.
    pub(crate) fn is_open(&self, at: crate::millis::Millis) -> bool {
        self.hours.as_ref().is_none_or(|hours| hours.is_open(at))
    }
}

/// Everything the engine needs from the daemon's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingConfig {
    /// The queues; names must be unique.
    pub queues: Vec<QueueConfig>,
    /// Where conversations go when nothing more specific applies; must be one of `queues`.
    pub default_queue: QueueName,
    /// How long an agent has to accept an offer before it goes to the next agent.
    pub offer_timeout: Duration,
    /// How long a disconnected agent keeps their conversations before they return to the queue.
    pub grace: Duration,
    /// How long after declining (or letting an offer time out) an agent may be offered the same
    /// conversation again, and then only when no other eligible agent can take it.
    pub reoffer_after: Duration,
    /// How many recent handling times the wait estimate averages.
    pub handling_samples: usize,
    /// Handling time assumed until the first conversation has been handled.
    pub default_handling_time: Duration,
    /// An agent who lets this many offers in a row time out is set away; zero never does.
    pub offers_missed_before_away: u32,
}

impl Default for RoutingConfig {
    /// One open `general` queue, 30 s offers, 60 s grace, 2 min before re-offering to a decliner,
    /// wait estimates over the last 50 conversations starting from 5 min each, away after 3
    /// missed offers.
    fn default() -> Self {
        Self {
            queues: vec![QueueConfig::new("general")],
            default_queue: QueueName::from("general"),
            offer_timeout: Duration::from_secs(30),
            grace: Duration::from_secs(60),
            reoffer_after: Duration::from_secs(120),
            handling_samples: 50,
            default_handling_time: Duration::from_secs(300),
            offers_missed_before_away: 3,
        }
    }
}

impl RoutingConfig {
    /// Checks what the engine relies on; the error names the offending setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.queue_index().map(|_| ())
    }

    /// Each queue's position in `queues`, by name, once the configuration is known to be valid.
    pub(crate) fn queue_index(&self) -> Result<BTreeMap<QueueName, usize>, ConfigError> {
        if self.offer_timeout.is_zero() {
            return Err(ConfigError::ZeroOfferTimeout);
        }
        let mut index = BTreeMap::new();
        for (at, queue) in self.queues.iter().enumerate() {
            if index.insert(queue.name.clone(), at).is_some() {
                return Err(ConfigError::DuplicateQueue(queue.name.clone()));
            }
            let levels = queue.skills.iter().map(|(skill, level)| (skill, *level));
            let preferred = queue.preferred.iter().map(|p| (&p.skill, p.level));
            if let Some((skill, level)) =
                levels.chain(preferred).find(|(_, level)| !(1..=MAX_SKILL_LEVEL).contains(level))
            {
                return Err(ConfigError::SkillLevel { queue: queue.name.clone(), skill: skill.clone(), level });
            }
        }
        if !index.contains_key(&self.default_queue) {
            return Err(ConfigError::UnknownDefaultQueue(self.default_queue.clone()));
        }
        for queue in &self.queues {
            self.check_overflow_chain(queue, &index)?;
        }
        Ok(index)
    }

    /// Follows the overflow chain from `queue`: every step must name another configured queue,
    /// and the chain must end.
    fn check_overflow_chain(&self, queue: &QueueConfig, index: &BTreeMap<QueueName, usize>) -> Result<(), ConfigError> {
        let mut seen = BTreeSet::from([&queue.name]);
        let mut path = vec![queue.name.clone()];
        let mut current = queue;
        while let Some(overflow) = &current.overflow {
            if overflow.queue == current.name {
                return Err(ConfigError::OverflowToItself(current.name.clone()));
            }
            let Some(&next) = index.get(&overflow.queue) else {
                return Err(ConfigError::UnknownOverflowQueue {
                    queue: current.name.clone(),
                    to: overflow.queue.clone(),
                });
            };
            path.push(overflow.queue.clone());
            if !seen.insert(&overflow.queue) {
                return Err(ConfigError::OverflowCycle(path));
            }
            current = &self.queues[next];
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid() {
        assert_eq!(RoutingConfig::default().validate(), Ok(()));
    }

    #[test]
    fn rejects_duplicate_queue() {
        let mut config = RoutingConfig::default();
        config.queues.push(QueueConfig::new("general"));
        assert_eq!(config.validate(), Err(ConfigError::DuplicateQueue("general".into())));
    }

    #[test]
    fn rejects_unknown_default_queue() {
        let config = RoutingConfig { default_queue: "vip".into(), ..RoutingConfig::default() };
        assert_eq!(config.validate(), Err(ConfigError::UnknownDefaultQueue("vip".into())));
    }

    #[test]
    fn rejects_zero_offer_timeout() {
        let config = RoutingConfig { offer_timeout: Duration::ZERO, ..RoutingConfig::default() };
        assert_eq!(config.validate(), Err(ConfigError::ZeroOfferTimeout));
    }

    fn overflowing(name: &str, to: &str) -> QueueConfig {
        QueueConfig { overflow: Some(Overflow { queue: to.into(), after: Duration::ZERO }), ..QueueConfig::new(name) }
    }

    #[test]
    fn overflow_must_name_another_queue_and_not_loop() {
        let config = |queues| RoutingConfig { queues, ..RoutingConfig::default() };
        let unknown = config(vec![overflowing("general", "vip")]);
        assert_eq!(
            unknown.validate().map_err(|e| e.to_string()),
            Err("queues: general overflows to vip, which is not a configured queue".to_owned())
        );
        let itself = config(vec![overflowing("general", "general")]);
        assert_eq!(itself.validate(), Err(ConfigError::OverflowToItself("general".into())));
        let looping = config(vec![overflowing("general", "b"), overflowing("b", "c"), overflowing("c", "b")]);
        assert_eq!(
            looping.validate().map_err(|e| e.to_string()),
            Err("queues: overflow loops: general → b → c → b".to_owned())
        );
        let chain = config(vec![overflowing("general", "b"), overflowing("b", "c"), QueueConfig::new("c")]);
        assert_eq!(chain.validate(), Ok(()));
    }

    #[test]
    fn rejects_skill_levels_out_of_range() {
        let mut queue = QueueConfig::new("general");
        queue.skills.insert("zh".into(), 0);
        let config = RoutingConfig { queues: vec![queue], ..RoutingConfig::default() };
        assert_eq!(
            config.validate().map_err(|e| e.to_string()),
            Err("queues: general requires zh at level 0; levels run from 1 to 9".to_owned())
        );
    }
}
