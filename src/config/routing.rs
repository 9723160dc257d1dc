//! `[routing]`: offers, agents' capacity, and the queues with the conversations they take and
//! the rules they route by.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use switchboard_channel::ChannelKind;
use switchboard_routing::{BusinessHours, parse_skill};

use super::ConfigError;
use crate::domain::Priority;

fn invalid(key: &str, why: impl std::fmt::Display) -> ConfigError {
    ConfigError(format!("{key}: {why}"))
}

/// `[routing]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingConfig {
    /// Seconds an agent has to accept an offer before it goes to the next agent.
    #[serde(default = "RoutingConfig::default_offer_timeout")]
    pub offer_timeout_s: u64,
    /// Seconds a disconnected agent keeps their conversations before they go back to the queue.
    #[serde(default = "RoutingConfig::default_grace")]
    pub reconnect_grace_s: u64,
    /// Conversations an agent handles at once, over all channels.
    #[serde(default = "RoutingConfig::default_capacity")]
    pub agent_capacity: u32,
    /// Conversations an agent handles at once on one channel, within `agent_capacity`; a
    /// channel not listed is bounded by the total alone. One call at a time by default.
    #[serde(default = "RoutingConfig::default_channel_capacity")]
    pub channel_capacity: BTreeMap<String, u32>,
    /// Offers in a row an agent may let time out before they are set away (0: never).
    #[serde(default = "RoutingConfig::default_offers_missed")]
    pub offers_missed_before_away: u32,
    /// The queue for conversations no other queue takes, and for low-confidence triage.
    #[serde(default = "RoutingConfig::default_queue")]
    pub default_queue: String,
    /// The queues, in the order their conditions are tried: the first that takes a
    /// conversation gets it.
    #[serde(default)]
    pub queues: Vec<QueueConfig>,
}

/// One agent queue, `[[routing.queues]]`. It takes a conversation when every condition it
/// lists holds (an empty list sets no condition); a queue that lists none takes nothing by
/// itself and receives only transfers and overflow.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    /// The queue's name, as agents and transfers refer to it.
    pub name: String,
    /// Triage categories it takes.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Channels it takes (`chat`, `email`, `callback`).
    #[serde(default)]
    pub channels: Vec<String>,
    /// Priorities it takes (`urgent`, `high`, `normal`, `low`).
    #[serde(default)]
    pub priorities: Vec<String>,
    /// Languages it takes, as triage names them (`zh`, `en`).
    #[serde(default)]
    pub languages: Vec<String>,
    /// Customer tiers it takes, from the `tier` claim of the app's token (`vip`).
    #[serde(default)]
    pub tiers: Vec<String>,
    /// Skills an agent needs to be offered this queue's conversations, as `name` or
    /// `name:level` (level 1 to 9); never relaxed.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Skills preferred for a while: only agents having them are offered the conversation
    /// until it has waited `relax_after_s`, one preference after another.
    #[serde(default)]
    pub preferred: Vec<PreferredSkill>,
    /// Whether the conversation's language is a skill the agent needs.
    #[serde(default)]
    pub language: LanguageMode,
    /// Seconds after which a `required` language relaxes to any agent of the queue (0: never).
    #[serde(default = "QueueConfig::default_language_relax")]
    pub language_relax_after_s: u64,
    /// First-response targets per priority, in seconds (0: no target).
    #[serde(default)]
    pub first_response_s: FirstResponse,
    /// Seconds before its due time at which waiting work counts one priority higher (0: off).
    #[serde(default)]
    pub near_breach_s: u64,
    /// The queue work moves to when it breaches its target or has waited `overflow_after_s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overflow: Option<String>,
    /// Seconds of waiting after which work moves to `overflow` (0: only on a breach).
    #[serde(default)]
    pub overflow_after_s: u64,
    /// When the queue is staffed; absent, always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<HoursConfig>,
    /// Whether the first-response clock stops while the queue is closed.
    #[serde(default)]
    pub sla_pauses_outside_hours: bool,
    /// What an agent going away does with their conversations from this queue.
    #[serde(default)]
    pub away: AwayMode,
    /// Seconds a returning customer waits for the agent who last helped them before anyone
    /// else is offered the conversation (0: no stickiness).
    #[serde(default)]
    pub sticky_wait_s: u64,
}

/// `preferred = [{ skill = "refund:2", relax_after_s = 30 }]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PreferredSkill {
    pub skill: String,
    pub relax_after_s: u64,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LanguageMode {
    /// An agent needs the conversation's language (until it relaxes).
    #[default]
    Required,
    /// Any agent of the queue, whatever the language.
    Ignore,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AwayMode {
    /// The agent keeps them and goes on working them.
    #[default]
    Keep,
    /// They go back to the queue for someone available.
    GiveBack,
}

/// `first_response_s = { urgent = 60, high = 900, normal = 3600, low = 14400 }`
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FirstResponse {
    #[serde(default = "FirstResponse::default_urgent")]
    pub urgent: u64,
    #[serde(default = "FirstResponse::default_high")]
    pub high: u64,
    #[serde(default = "FirstResponse::default_normal")]
    pub normal: u64,
    #[serde(default = "FirstResponse::default_low")]
    pub low: u64,
}

/// `hours = { zone = "Asia/Shanghai", weekly = ["mon-fri 09:00-18:00"], holidays = [] }`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HoursConfig {
    /// An IANA time zone name.
    pub zone: String,
    /// Opening periods: `mon-fri 09:00-18:00`, `sat 10:00-14:00`, `sun 22:00-06:00`.
    #[serde(default)]
    pub weekly: Vec<String>,
    /// Local dates closed all day, `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: Vec<String>,
}

impl HoursConfig {
    pub fn parse(&self) -> Result<BusinessHours, switchboard_routing::HoursError> {
        let weekly: Vec<&str> = self.weekly.iter().map(String::as_str).collect();
        let holidays: Vec<&str> = self.holidays.iter().map(String::as_str).collect();
        BusinessHours::parse(&self.zone, &weekly, &holidays)
    }
}

impl FirstResponse {
    const fn default_urgent() -> u64 {
        60
    }
    const fn default_high() -> u64 {
        900
    }
    const fn default_normal() -> u64 {
        3600
    }
    const fn default_low() -> u64 {
        14_400
    }

    /// The target for `priority`, in seconds (0: none).
    pub const fn for_priority(&self, priority: Priority) -> u64 {
        match priority {
            Priority::Urgent => self.urgent,
            Priority::High => self.high,
            Priority::Normal => self.normal,
            Priority::Low => self.low,
        }
    }
}

impl Default for FirstResponse {
    fn default() -> Self {
        Self {
            urgent: Self::default_urgent(),
            high: Self::default_high(),
            normal: Self::default_normal(),
            low: Self::default_low(),
        }
    }
}

impl QueueConfig {
    const fn default_language_relax() -> u64 {
        60
    }

    /// A queue with this name and every default: it takes nothing by itself.
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            categories: Vec::new(),
            channels: Vec::new(),
            priorities: Vec::new(),
            languages: Vec::new(),
            tiers: Vec::new(),
            skills: Vec::new(),
            preferred: Vec::new(),
            language: LanguageMode::default(),
            language_relax_after_s: Self::default_language_relax(),
            first_response_s: FirstResponse::default(),
            near_breach_s: 0,
            overflow: None,
            overflow_after_s: 0,
            hours: None,
            sla_pauses_outside_hours: false,
            away: AwayMode::default(),
            sticky_wait_s: 0,
        }
    }

    /// Whether it lists any condition, and so takes conversations by itself.
    pub fn takes_any(&self) -> bool {
        !(self.categories.is_empty()
            && self.channels.is_empty()
            && self.priorities.is_empty()
            && self.languages.is_empty()
            && self.tiers.is_empty())
    }

    fn validate(&self, key: &str, names: &HashSet<&str>) -> Result<(), ConfigError> {
        if self.name.trim().is_empty() {
            return Err(invalid(&format!("{key}.name"), "must not be empty"));
        }
        for channel in &self.channels {
            channel.parse::<ChannelKind>().map_err(|e| invalid(&format!("{key}.channels"), e))?;
        }
        for priority in &self.priorities {
            priority.parse::<Priority>().map_err(|e| invalid(&format!("{key}.priorities"), e))?;
        }
        for skill in &self.skills {
            parse_skill(skill).map_err(|e| invalid(&format!("{key}.skills"), e))?;
        }
        for (i, p) in self.preferred.iter().enumerate() {
            parse_skill(&p.skill).map_err(|e| invalid(&format!("{key}.preferred[{i}].skill"), e))?;
        }
        if let Some(overflow) = &self.overflow {
            if !names.contains(overflow.as_str()) {
                return Err(invalid(&format!("{key}.overflow"), format!("{overflow:?} is not one of routing.queues")));
            }
            if *overflow == self.name {
                return Err(invalid(&format!("{key}.overflow"), "a queue cannot overflow into itself"));
            }
        } else if self.overflow_after_s > 0 {
            return Err(invalid(&format!("{key}.overflow_after_s"), "needs an overflow queue"));
        }
        if let Some(hours) = &self.hours {
            hours.parse().map_err(|e| invalid(&format!("{key}.hours"), e))?;
        } else if self.sla_pauses_outside_hours {
            return Err(invalid(&format!("{key}.sla_pauses_outside_hours"), "needs hours"));
        }
        Ok(())
    }
}

impl RoutingConfig {
    const fn default_offer_timeout() -> u64 {
        30
    }
    const fn default_grace() -> u64 {
        60
    }
    const fn default_capacity() -> u32 {
        4
    }
    fn default_channel_capacity() -> BTreeMap<String, u32> {
        BTreeMap::from([(ChannelKind::Callback.as_str().to_owned(), 1)])
    }
    const fn default_offers_missed() -> u32 {
        3
    }
    fn default_queue() -> String {
        "general".into()
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.offer_timeout_s == 0 {
            return Err(invalid("routing.offer_timeout_s", "must be at least 1"));
        }
        if self.agent_capacity == 0 {
            return Err(invalid("routing.agent_capacity", "must be at least 1"));
        }
        for channel in self.channel_capacity.keys() {
            channel.parse::<ChannelKind>().map_err(|e| invalid("routing.channel_capacity", e))?;
        }
        let mut names = HashSet::new();
        for (i, q) in self.queues.iter().enumerate() {
            if !names.insert(q.name.as_str()) {
                return Err(invalid(
                    &format!("routing.queues[{i}].name"),
                    format!("queue {:?} is defined twice", q.name),
                ));
            }
        }
        for (i, q) in self.queues.iter().enumerate() {
            q.validate(&format!("routing.queues[{i}]"), &names)?;
        }
        if !self.queues.is_empty() && !names.contains(self.default_queue.as_str()) {
            return Err(invalid(
                "routing.default_queue",
                format!("{:?} is not one of routing.queues", self.default_queue),
            ));
        }
        // What the engine checks beyond the fields (overflow cycles), in its own words.
        crate::routing::engine_config(self).map(|_| ()).map_err(|e| invalid("routing", e))
    }

    /// Every queue: the configured ones and the default, which exists even when unlisted.
    pub fn all_queues(&self) -> Vec<QueueConfig> {
        let mut queues = self.queues.clone();
        if !queues.iter().any(|q| q.name == self.default_queue) {
            queues.push(QueueConfig::named(&self.default_queue));
        }
        queues
    }

    /// The queue of this name, the default one included even when it is not listed.
    pub fn queue(&self, name: &str) -> Option<QueueConfig> {
        self.all_queues().into_iter().find(|q| q.name == name)
    }

    /// Every queue a conversation may wait in: the configured ones and the default.
    pub fn queue_names(&self) -> Vec<String> {
        self.all_queues().into_iter().map(|q| q.name).collect()
    }
}

impl Default for RoutingConfig {
    fn default() -> Self {
        Self {
            offer_timeout_s: Self::default_offer_timeout(),
            reconnect_grace_s: Self::default_grace(),
            agent_capacity: Self::default_capacity(),
            channel_capacity: Self::default_channel_capacity(),
            offers_missed_before_away: Self::default_offers_missed(),
            default_queue: Self::default_queue(),
            queues: Vec::new(),
        }
    }
}
