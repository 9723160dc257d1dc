//! Routing configuration: the queues and the timings of offers, grace periods and re-offers.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::error::ConfigError;
use crate::ids::QueueName;

/// One queue conversations wait in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    /// The queue's name, used by triage and by transfers.
    pub name: QueueName,
    /// Skills every agent must have to be offered work from this queue (e.g. `refund`).
    pub skills: BTreeSet<String>,
}

impl QueueConfig {
    /// A queue open to every agent.
    pub fn new(name: impl Into<QueueName>) -> Self {
        Self { name: name.into(), skills: BTreeSet::new() }
    }

    /// The same queue, restricted to agents having all of `skills`.
    pub fn with_skills<S: Into<String>>(mut self, skills: impl IntoIterator<Item = S>) -> Self {
        self.skills.extend(skills.into_iter().map(Into::into));
        self
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
}

impl Default for RoutingConfig {
    /// One open `general` queue, 30 s offers, 60 s grace, 2 min before re-offering to a decliner,
    /// wait estimates over the last 50 conversations starting from 5 min each.
    fn default() -> Self {
        Self {
            queues: vec![QueueConfig::new("general")],
            default_queue: QueueName::from("general"),
            offer_timeout: Duration::from_secs(30),
            grace: Duration::from_secs(60),
            reoffer_after: Duration::from_secs(120),
            handling_samples: 50,
            default_handling_time: Duration::from_secs(300),
        }
    }
}

impl RoutingConfig {
    /// Checks what the engine relies on; the error names the offending setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.queue_skills().map(|_| ())
    }

    /// The required skills of every queue, by name, once the configuration is known to be valid.
    pub(crate) fn queue_skills(&self) -> Result<BTreeMap<QueueName, BTreeSet<String>>, ConfigError> {
        if self.offer_timeout.is_zero() {
            return Err(ConfigError::ZeroOfferTimeout);
        }
        let mut skills = BTreeMap::new();
        for queue in &self.queues {
            if skills.insert(queue.name.clone(), queue.skills.clone()).is_some() {
                return Err(ConfigError::DuplicateQueue(queue.name.clone()));
            }
        }
        if !skills.contains_key(&self.default_queue) {
            return Err(ConfigError::UnknownDefaultQueue(self.default_queue.clone()));
        }
        Ok(skills)
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
}
