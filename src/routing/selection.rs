//! Which queue a conversation waits in: the first configured queue whose conditions all hold
//! (channel, category, priority, language, customer tier), else the default queue.

use switchboard_channel::ChannelKind;

use crate::config::RoutingConfig;
use crate::domain::Priority;

/// What is known of a conversation when its queue is chosen.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    pub channel: ChannelKind,
    /// `None` when triage was not confident enough for the category to decide anything.
    pub category: Option<&'a str>,
    pub priority: Priority,
    pub language: &'a str,
    pub tier: Option<&'a str>,
}

/// The queue chosen and, in words, the rule that chose it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selected {
    pub queue: String,
    pub because: String,
}

/// One queue's conditions, parsed once.
#[derive(Debug)]
struct Rule {
    queue: String,
    categories: Vec<String>,
    channels: Vec<ChannelKind>,
    priorities: Vec<Priority>,
    languages: Vec<String>,
    tiers: Vec<String>,
}

impl Rule {
    /// The conditions that held, in words, when they all did.
    fn matches(&self, f: &Facts<'_>) -> Option<Vec<String>> {
        let mut held = Vec::new();
        if !self.categories.is_empty() {
            let category = f.category.filter(|c| self.categories.iter().any(|x| x == c))?;
            held.push(format!("category {category}"));
        }
        if !self.channels.is_empty() {
            self.channels.contains(&f.channel).then_some(())?;
            held.push(format!("channel {}", f.channel.as_str()));
        }
        if !self.priorities.is_empty() {
            self.priorities.contains(&f.priority).then_some(())?;
            held.push(format!("priority {}", f.priority));
        }
        if !self.languages.is_empty() {
            self.languages.iter().any(|l| l == f.language).then_some(())?;
            held.push(format!("language {}", f.language));
        }
        if !self.tiers.is_empty() {
            let tier = f.tier.filter(|t| self.tiers.iter().any(|x| x == t))?;
            held.push(format!("tier {tier}"));
        }
        Some(held)
    }
}

/// The queues' conditions in configuration order.
#[derive(Debug)]
pub struct QueueSelector {
    rules: Vec<Rule>,
    default_queue: String,
}

impl QueueSelector {
    /// From a configuration that passed validation (unparsable values are skipped).
    pub fn new(config: &RoutingConfig) -> Self {
        let rules = config
            .queues
            .iter()
            .filter(|q| q.takes_any())
            .map(|q| Rule {
                queue: q.name.clone(),
                categories: q.categories.clone(),
                channels: q.channels.iter().filter_map(|c| c.parse().ok()).collect(),
                priorities: q.priorities.iter().filter_map(|p| p.parse().ok()).collect(),
                languages: q.languages.clone(),
                tiers: q.tiers.clone(),
            })
            .collect();
        Self { rules, default_queue: config.default_queue.clone() }
    }

    pub fn select(&self, facts: &Facts<'_>) -> Selected {
        for rule in &self.rules {
            if let Some(held) = rule.matches(facts) {
                return Selected { queue: rule.queue.clone(), because: held.join(", ") };
            }
        }
        let because = if facts.category.is_none() { "low-confidence triage" } else { "no queue's conditions held" };
        Selected { queue: self.default_queue.clone(), because: because.to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::QueueConfig;

    fn queue(name: &str, edit: impl FnOnce(&mut QueueConfig)) -> QueueConfig {
        let mut q = QueueConfig::named(name);
        edit(&mut q);
        q
    }

    fn selector() -> QueueSelector {
        let config = RoutingConfig {
            queues: vec![
                queue("vip", |q| q.tiers = vec!["vip".into()]),
                queue("security", |q| q.categories = vec!["account_compromised".into()]),
                queue("chinese-payments", |q| {
                    q.categories = vec!["refund".into(), "payment_failed".into()];
                    q.languages = vec!["zh".into()];
                }),
                queue("payments", |q| q.categories = vec!["refund".into(), "payment_failed".into()]),
                queue("phone-urgent", |q| {
                    q.channels = vec!["callback".into()];
                    q.priorities = vec!["urgent".into(), "high".into()];
                }),
                queue("overflow", |_| {}),
                queue("general", |q| q.categories = vec!["other".into()]),
            ],
            ..RoutingConfig::default()
        };
        QueueSelector::new(&config)
    }

    fn facts<'a>(category: Option<&'a str>, language: &'a str) -> Facts<'a> {
        Facts { channel: ChannelKind::Chat, category, priority: Priority::Normal, language, tier: None }
    }

    #[test]
    fn the_first_queue_whose_conditions_all_hold_takes_it() {
        let s = selector();
        let zh = s.select(&facts(Some("refund"), "zh"));
        assert_eq!(zh, Selected { queue: "chinese-payments".into(), because: "category refund, language zh".into() });
        assert_eq!(s.select(&facts(Some("refund"), "en")).queue, "payments");
        let vip = Facts { tier: Some("vip"), ..facts(Some("account_compromised"), "en") };
        assert_eq!(s.select(&vip), Selected { queue: "vip".into(), because: "tier vip".into() });
        assert_eq!(s.select(&facts(Some("account_compromised"), "en")).queue, "security");
    }

    #[test]
    fn channel_and_priority_conditions() {
        let s = selector();
        let call = Facts { channel: ChannelKind::Callback, priority: Priority::High, ..facts(Some("how_to"), "en") };
        assert_eq!(s.select(&call).because, "channel callback, priority high");
        let calm = Facts { priority: Priority::Low, ..call };
        assert_eq!(s.select(&calm).queue, "general");
    }

    #[test]
    fn nothing_matching_and_low_confidence_go_to_the_default() {
        let s = selector();
        assert_eq!(s.select(&facts(Some("how_to"), "en")).because, "no queue's conditions held");
        let unsure = s.select(&facts(None, "en"));
        assert_eq!(unsure, Selected { queue: "general".into(), because: "low-confidence triage".into() });
    }
}
