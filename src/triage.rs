//! Triage in the daemon: what the `switchboard-triage` library decides, mapped onto
//! conversations and queues. Redaction runs before anything is stored; classification after
//! the commit; the outbound guard before an agent's reply is stored.

use std::time::Duration;

use switchboard_channel::ChannelKind;
use switchboard_triage::{self as lib, Input, Language, Triage, TriageError};

use crate::config::Config;
use crate::domain::{Millis, Priority, RepeatRule, TriageResult};
use crate::routing::{Facts, QueueSelector};

pub use switchboard_triage::{GuardRefusal, Redacted, redact};

/// The classifier with the daemon's queue mapping.
pub struct Triager {
    triage: Triage,
    /// Which queue a triaged conversation waits in.
    queues: QueueSelector,
    /// How far back a customer's conversations count as earlier contacts, and how many make
    /// a repeated contact.
    repeat_window: Duration,
    repeat_contacts: u32,
}

impl Triager {
    /// Loads the configured model (or the built-in one) and the rules.
    pub fn new(config: &Config) -> Result<Self, TriageError> {
        let priority = &config.triage.priority;
        Ok(Self {
            triage: Triage::new(&config.triage)?,
            queues: QueueSelector::new(&config.routing),
            repeat_window: Duration::from_secs(u64::from(priority.repeat_window_h) * 3600),
            repeat_contacts: priority.repeat_contacts,
        })
    }

    /// Classifies a customer message received at `now` from a customer of `tier` (as the
    /// app vouches) and chooses its queue. Whether the customer is a repeated contact is left
    /// to the store (see [`RepeatRule`]), which counts their conversations.
    pub fn decide(&self, message: &Message<'_>, now: Millis) -> TriageResult {
        let input = Input {
            subject: message.subject,
            body: message.body,
            channel: Some(channel_of(message.channel)),
            prior_contacts: 0,
        };
        let d = self.triage.classify(&input);
        // A low-confidence guess decides nothing by its category, but an urgent one (a rule
        // that must never be missed) does: that is the point of the rule.
        let trusted = !d.low_confidence || d.priority == lib::Priority::Urgent;
        let selected = self.queues.select(&Facts {
            channel: message.channel,
            category: trusted.then_some(d.category.as_str()),
            priority: priority_of(d.priority),
            language: d.language.as_str(),
            tier: message.tier,
        });
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
            queue: selected.queue,
            queue_reason: selected.because,
        }
    }

    /// Refuses an agent reply that asks the customer for a secret, when the guard is on.
    pub fn check_reply(&self, text: &str) -> Result<(), GuardRefusal> {
        self.triage.check_reply(text)
    }
}

/// What triage reads of a customer message.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    pub channel: ChannelKind,
    pub subject: Option<&'a str>,
    pub body: &'a str,
    /// The customer's tier, when the app's token gives one.
    pub tier: Option<&'a str>,
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
