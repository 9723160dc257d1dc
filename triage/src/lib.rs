//! Switchboard triage: classifies customer messages (category, priority, language), redacts
//! secrets customers paste, guards agent replies against asking for them, and reads the
//! transaction details customers give.
//!
//! A pure library: no I/O beyond reading model and data files. The daemon builds one
//! [`Triage`] from the `[triage]` config section at start and calls [`Triage::classify`] for
//! every inbound message, [`redact`] before anything is stored or logged, and
//! [`Triage::check_reply`] on every agent reply.

mod amount;
pub mod checksum;
mod classify;
pub mod cli;
mod compromise;
mod config;
pub mod dataset;
mod defaults;
mod error;
mod features;
mod format;
mod guard;
mod input;
mod intake;
mod language;
mod lexicon;
mod metrics;
mod model;
mod notice;
mod priority;
mod quoted;
mod redact;
mod rules;
mod terms;
mod text;
mod train;

pub use classify::{Decision, Triage};
pub use config::{PriorityConfig, RuleConfig, TriageConfig};
pub use error::{ConfigError, TriageError};
pub use guard::{GuardRefusal, outbound_guard};
pub use input::{Channel, Input};
pub use intake::{Money, TransactionDetails, transaction_details};
pub use language::{Language, detect_language};
pub use notice::safety_notice;
pub use priority::Priority;
pub use quoted::strip_quoted_history;
pub use redact::{Redacted, SecretKind, redact};
