//! The contract every channel adapter implements: the envelopes that cross the boundary between
//! an adapter and the daemon, and the traits the daemon calls. No I/O lives here.

mod envelope;
mod outbound;

pub use envelope::{Attachment, ChannelKind, Inbound, SenderIdentity, UnknownChannel};
pub use outbound::{DeliveryError, DeliveryReceipt, Outbound, OutboundChannel, Recipient};
