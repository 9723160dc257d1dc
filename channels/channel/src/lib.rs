//! The contract every channel adapter implements and the only crate of ours an adapter depends
//! on: the envelopes that cross the boundary between an adapter and the daemon, the inbound,
//! outbound and live sides, the phone-callback side, the context an adapter starts with, and
//! the clock. No I/O lives here, except behind the `http` feature: the websocket machinery
//! every websocket endpoint shares, and the customer tokens its endpoints verify; and behind
//! the `webhook` feature: signed webhooks, which the dialer and the daemon's account actions
//! post.

mod adapter;
mod callback;
mod clock;
mod codes;
mod context;
#[cfg(feature = "http")]
pub mod customer_token;
mod envelope;
mod inbound;
mod live;
mod outbound;
mod secret;
mod time;
#[cfg(feature = "webhook")]
pub mod webhook;
#[cfg(feature = "http")]
pub mod websocket;

pub use adapter::Adapter;
pub use callback::{
    AfterOutcome, CallEvent, CallEventRefused, CallWindow, Callable, CallbackDesk, CallbackOutcome, CallbackRecord,
    CallbackRequest, CallbackService, CallbackStatus, Dial, DialOrder,
};
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use codes::ErrorCode;
pub use context::{ChannelContext, ChannelMetrics};
pub use envelope::{
    Attachment, Authentication, ChannelKind, EmailDetails, Inbound, SenderIdentity, ThreadKey, Threading,
    UnknownChannel,
};
pub use inbound::{Accepted, CustomerSignal, InboundSink, Origin, Quarantined, Refused, SessionStart};
pub use live::{ConnectionId, CustomerEvent, CustomerMessage, LivePush};
pub use outbound::{DeliveryError, DeliveryReceipt, Outbound, OutboundChannel, Recipient};
pub use secret::Secret;
pub use time::{Millis, to_rfc3339};
