//! The conversation model every channel shares: customers, conversations and their status
//! machine, messages, agents, callback requests, outbox entries, account actions and the
//! audit log; and the rules that decide what a message or a move does to a conversation. The rules are pure
//! functions of the values they are given (the time among them), so every backend of the
//! store applies the same ones and they are tested without a database.

mod actor;
mod agent;
pub mod canned;
mod conversation;
pub mod identity;
mod ids;
mod message;
mod outbox;
pub mod permissions;
mod playbook;
pub mod reference;
pub mod reply;
mod status;
pub mod threading;
pub mod triage_merge;

#[cfg(test)]
pub(crate) mod fixtures;

pub use actor::Actor;
pub use agent::{Agent, Capacity, NewAgent};
pub use canned::CannedResponse;
pub use conversation::{Conversation, Customer, Priority, RepeatRule, TriageResult, UnknownPriority};
pub use ids::{ActionId, AgentId, CallbackId, ConversationId, CustomerId, MessageId};
pub use message::{AuthorRole, Direction, Message, StoredAttachment};
pub use outbox::{OutboxEntry, OutboxState, RetryPolicy};
pub use playbook::{AccountAction, ActionOutcome, ActionState, IdentityVerification, IntakeFields, NewAction};
pub use status::{ConversationStatus, IllegalTransition, StatusChange};
pub use switchboard_channel::{Millis, to_rfc3339};
