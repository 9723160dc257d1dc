//! Priority: how soon a human must look at the conversation.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::amount::largest_amount;
use crate::config::PriorityConfig;
use crate::error::ConfigError;
use crate::terms::TermMatcher;

/// How urgently a conversation needs an agent, most urgent first (so `Ord` sorts a queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Money is at risk now (a compromised account): reaches a human in seconds.
    Urgent,
    /// Money missing or blocked in large amounts, repeated contacts, angry customers.
    High,
    /// Everything else that needs an answer.
    Normal,
    /// Suggestions, praise, idle questions.
    Low,
}

impl Priority {
    /// The lower-case name: `urgent`, `high`, `normal` or `low`.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }

    /// One step more urgent, but never `Urgent`: that is reserved for the urgent categories.
    fn raised(self) -> Self {
        match self {
            Priority::Low => Priority::Normal,
            Priority::Normal | Priority::High => Priority::High,
            Priority::Urgent => Priority::Urgent,
        }
    }

    fn lowered(self) -> Self {
        match self {
            Priority::Urgent => Priority::Urgent,
            Priority::High => Priority::Normal,
            Priority::Normal | Priority::Low => Priority::Low,
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `PriorityConfig` compiled for use.
#[derive(Debug, Clone)]
pub(crate) struct PriorityRules {
    urgent: Vec<String>,
    low: Vec<String>,
    money: Vec<String>,
    large_amount: f64,
    rates: BTreeMap<String, f64>,
    repeat_contacts: u32,
    /// Every wording list in one matcher, so a message is scanned once.
    terms: TermMatcher,
    /// The `Wording` of each term of `terms`.
    wording_of: Vec<Wording>,
}

/// The kinds of wording that move priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wording {
    Repeat,
    Angry,
    Urgency,
    Calm,
}

impl PriorityRules {
    pub fn new(config: &PriorityConfig) -> Result<Self, ConfigError> {
        let lists = [
            ("repeat_terms", &config.repeat_terms, Wording::Repeat),
            ("angry_terms", &config.angry_terms, Wording::Angry),
            ("urgency_terms", &config.urgency_terms, Wording::Urgency),
            ("calm_terms", &config.calm_terms, Wording::Calm),
        ];
        let mut all = Vec::new();
        let mut wording_of = Vec::new();
        for (key, list, wording) in lists {
            // Compiled alone first, so an error names the list it is in.
            TermMatcher::new(list).map_err(|e| ConfigError::new(format!("triage.priority.{key}"), e.to_string()))?;
            all.extend(list.iter().map(String::as_str));
            wording_of.extend(list.iter().map(|_| wording));
        }
        let terms = TermMatcher::new(&all).map_err(|e| ConfigError::new("triage.priority", e.to_string()))?;
        Ok(Self {
            urgent: config.urgent_categories.clone(),
            low: config.low_categories.clone(),
            money: config.money_categories.clone(),
            large_amount: config.large_amount,
            rates: config.exchange_rates.clone(),
            repeat_contacts: config.repeat_contacts,
            terms,
            wording_of,
        })
    }

    /// The priority of a message in `category`, from its normalised text and contact history,
    /// and what it would be were the customer a repeated contact: the store
    /// counts the customer's earlier conversations when it files the message, and takes the
    /// second when there are enough.
    pub fn assess(&self, category: &str, normalized: &str, prior_contacts: u32) -> (Priority, Priority) {
        let is = |list: &[String]| list.iter().any(|c| c == category);
        if is(&self.urgent) {
            return (Priority::Urgent, Priority::Urgent);
        }
        let base = if is(&self.low) { Priority::Low } else { Priority::Normal };
        let mut hits = Vec::new();
        self.terms.for_each(normalized, |term, range| hits.push((self.wording_of[term], range)));
        let calm_ranges: Vec<_> = hits.iter().filter(|(w, _)| *w == Wording::Calm).map(|(_, r)| r.clone()).collect();
        // "urgent" inside "not urgent" is no time pressure.
        let inside_calm = |r: &std::ops::Range<usize>| calm_ranges.iter().any(|c| c.start <= r.start && r.end <= c.end);
        let has = |wording: Wording| hits.iter().any(|(w, r)| *w == wording && !inside_calm(r));
        let (repeat_words, angry, urgency, calm) =
            (has(Wording::Repeat), has(Wording::Angry), has(Wording::Urgency), !calm_ranges.is_empty());
        let large = is(&self.money)
            && largest_amount(normalized, &self.rates).is_some_and(|amount| amount >= self.large_amount);
        let settle = |repeated: bool| {
            let mut priority = base;
            for _ in [large, repeated, angry, urgency].iter().filter(|&&s| s) {
                priority = priority.raised();
            }
            if calm { priority.lowered() } else { priority }
        };
        let counts = self.repeat_contacts > 0;
        (settle(repeat_words || (counts && prior_contacts >= self.repeat_contacts)), settle(repeat_words || counts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn decide(category: &str, text: &str, prior: u32) -> Priority {
        PriorityRules::new(&PriorityConfig::default()).unwrap().assess(category, &normalize(text), prior).0
    }

    #[test]
    fn the_priority_a_repeated_contact_would_have_is_given_beside_it() {
        let rules = PriorityRules::new(&PriorityConfig::default()).unwrap();
        let text = normalize("my refund has not arrived");
        assert_eq!(rules.assess("refund", &text, 0), (Priority::Normal, Priority::High));
        assert_eq!(rules.assess("refund", &text, 2), (Priority::High, Priority::High));
        let off = PriorityRules::new(&PriorityConfig { repeat_contacts: 0, ..PriorityConfig::default() }).unwrap();
        assert_eq!(off.assess("refund", &text, 9), (Priority::Normal, Priority::Normal));
    }

    #[test]
    fn compromised_is_always_urgent() {
        assert_eq!(decide("account_compromised", "not urgent, just curious", 0), Priority::Urgent);
    }

    #[test]
    fn plain_messages_are_normal_and_feedback_low() {
        assert_eq!(decide("payment_failed", "my payment failed", 0), Priority::Normal);
        assert_eq!(decide("feedback", "please add dark mode", 0), Priority::Low);
    }

    #[test]
    fn large_amounts_raise_money_problems_only() {
        assert_eq!(decide("funds_not_received", "withdrew ¥12,000.00, not arrived", 0), Priority::High);
        assert_eq!(decide("funds_not_received", "withdrew ¥120, not arrived", 0), Priority::Normal);
        assert_eq!(decide("how_to", "how do I send ¥12,000 at once", 0), Priority::Normal);
    }

    #[test]
    fn repeated_contacts_raise() {
        assert_eq!(decide("refund", "where is my refund", 2), Priority::High);
        assert_eq!(decide("refund", "where is my refund", 1), Priority::Normal);
        assert_eq!(decide("refund", "这已经是第三次联系你们了", 0), Priority::High);
    }

    #[test]
    fn angry_and_urgent_wording_raise() {
        assert_eq!(decide("app_technical", "閃退閃退！！！氣死", 0), Priority::High);
        assert_eq!(decide("payment_failed", "this is ridiculous", 0), Priority::High);
        assert_eq!(decide("feedback", "the chat queue is unacceptable", 0), Priority::Normal);
    }

    #[test]
    fn calm_wording_lowers() {
        assert_eq!(
            decide("app_technical", "layout broken on iPad. Not urgent, just letting you know", 0),
            Priority::Low
        );
    }
}
