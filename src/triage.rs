//! Triage in the daemon: what the `switchboard-triage` library decides, mapped onto
//! conversations and queues. Redaction runs before anything is stored; classification after
//! the commit; the outbound guard before an agent's reply is stored.

use std::collections::HashMap;
use std::time::Duration;

use switchboard_channel::ChannelKind;
use switchboard_triage::{self as lib, Input, Language, Triage, TriageError};

use crate::config::Config;
use crate::domain::{Millis, Priority, RepeatRule, TriageResult};

pub use switchboard_triage::{GuardRefusal, Redacted, redact};

/// The classifier with the daemon's queue mapping.
pub struct Triager {
    triage: Triage,
    /// Which queue each category goes to.
    queues: HashMap<String, String>,
    /// Where everything else goes, and low-confidence guesses.
    default_queue: String,
    /// How far back a customer's conversations count as earlier contacts, and how many make
    /// a repeated contact.
    repeat_window: Duration,
    repeat_contacts: u32,
}

impl Triager {
    /// Loads the configured model (or the built-in one) and the rules.
    pub fn new(config: &Config) -> Result<Self, TriageError> {
        let mut queues = HashMap::new();
        for queue in &config.routing.queues {
            for category in &queue.categories {
                queues.entry(category.clone()).or_insert_with(|| queue.name.clone());
            }
        }
        let priority = &config.triage.priority;
        Ok(Self {
            triage: Triage::new(&config.triage)?,
            queues,
            default_queue: config.routing.default_queue.clone(),
            repeat_window: Duration::from_secs(u64::from(priority.repeat_window_h) * 3600),
            repeat_contacts: priority.repeat_contacts,
        })
    }

    /// Classifies a customer message received at `now`. Whether the customer is a repeated
    /// contact is left to the store (see [`RepeatRule`]), which counts their conversations.
    pub fn decide(&self, channel: ChannelKind, subject: Option<&str>, body: &str, now: Millis) -> TriageResult {
        let input = Input { subject, body, channel: Some(channel_of(channel)), prior_contacts: 0 };
        let d = self.triage.classify(&input);
        // A low-confidence guess goes to the general queue, but an urgent one (a rule that must
        // never be missed) keeps its queue: that is the point of the rule.
        let trusted = !d.low_confidence || d.priority == lib::Priority::Urgent;
        let queue = match self.queues.get(&d.category) {
            Some(q) if trusted => q.clone(),
            _ => self.default_queue.clone(),
        };
        let repeat = (d.priority_if_repeated != d.priority).then(|| RepeatRule {
            since: now.minus(self.repeat_window),
            at_least: self.repeat_contacts,
            priority: priority_of(d.priority_if_repeated),
        });
        TriageResult {
            signal: d.signal,
            repeat,
            category: d.category,
            priority: priority_of(d.priority),
            language: d.language.as_str().to_owned(),
            confidence: d.confidence,
            queue,
        }
    }

    /// Refuses an agent reply that asks the customer for a secret, when the guard is on.
    pub fn check_reply(&self, text: &str) -> Result<(), GuardRefusal> {
        self.triage.check_reply(text)
    }
}

/// The notice a customer gets after pasting a secret, in their language (`zh` or English).
pub fn safety_notice(language: &str) -> &'static str {
    lib::safety_notice(if language.starts_with("zh") { Language::Zh } else { Language::En })
}

fn channel_of(c: ChannelKind) -> lib::Channel {
    match c {
        ChannelKind::Email => lib::Channel::Email,
        ChannelKind::Chat => lib::Channel::Chat,
        ChannelKind::Callback => lib::Channel::Callback,
    }
}

fn priority_of(p: lib::Priority) -> Priority {
    match p {
        lib::Priority::Urgent => Priority::Urgent,
        lib::Priority::High => Priority::High,
        lib::Priority::Normal => Priority::Normal,
        lib::Priority::Low => Priority::Low,
    }
}
