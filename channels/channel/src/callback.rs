//! The phone-callback side of the contract. A callback request is a conversation on the
//! `callback` channel whose first customer message is the reason; the daemon keeps the
//! request (its state, attempts, schedule) and routes it like any other conversation, and the
//! callback adapter brings what is the channel's own: the request API, the rules of when a
//! customer may be called and what an outcome leads to, and the dialer.

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;

use crate::envelope::SenderIdentity;
use crate::inbound::Refused;
use crate::outbound::DeliveryError;
use crate::time::Millis;

/// When the customer wants to be called: start before end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallWindow {
    pub start: Millis,
    pub end: Millis,
}

/// A request the adapter has checked: a dialable number, a reason, a window that holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackRequest {
    /// Who asks, as the customer's token vouches (with the request's own name and language,
    /// when it gives them, in place of the token's).
    pub sender: SenderIdentity,
    /// The number to call, E.164.
    pub phone: String,
    /// The customer's time zone (IANA name), in which calling hours hold.
    pub zone: String,
    /// Why the customer wants a call: the conversation's first message, triaged like any.
    pub reason: String,
    pub window: Option<CallWindow>,
    /// The token vouches for another phone, or for none: the agent is warned before calling,
    /// since a stolen session asking for a call to the thief's number is how account
    /// takeovers are finished by phone.
    pub unverified_phone: bool,
}

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallbackStatus {
    /// Waiting for an agent to call.
    Queued,
    /// Waiting, invisible to agents, for its time: the window's start, calling hours, or
    /// the next attempt after a missed one.
    Scheduled,
    /// An agent has it (or the dialer is calling).
    InProgress,
    /// The customer was reached. Final.
    Completed,
    /// Wrong number, attempts used up, or the window closed first. Final.
    Failed,
    /// The customer withdrew it. Final.
    Cancelled,
}

impl CallbackStatus {
    pub const ALL: [Self; 6] =
        [Self::Queued, Self::Scheduled, Self::InProgress, Self::Completed, Self::Failed, Self::Cancelled];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Scheduled => "scheduled",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// True once nothing more happens to the request.
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

impl fmt::Display for CallbackStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CallbackStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|st| st.as_str() == s).ok_or_else(|| format!("unknown callback status {s:?}"))
    }
}

/// How one call went, as the agent records it or the dialer reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallbackOutcome {
    Reached,
    NoAnswer,
    Busy,
    Voicemail,
    WrongNumber,
}

impl CallbackOutcome {
    pub const ALL: [Self; 5] = [Self::Reached, Self::NoAnswer, Self::Busy, Self::Voicemail, Self::WrongNumber];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Reached => "reached",
            Self::NoAnswer => "no_answer",
            Self::Busy => "busy",
            Self::Voicemail => "voicemail",
            Self::WrongNumber => "wrong_number",
        }
    }

    /// True for a call that did not reach the customer but may on another try.
    pub const fn is_missed(self) -> bool {
        matches!(self, Self::NoAnswer | Self::Busy | Self::Voicemail)
    }
}

impl fmt::Display for CallbackOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CallbackOutcome {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|o| o.as_str() == s).ok_or_else(|| {
            format!("unknown callback outcome {s:?} (reached, no_answer, busy, voicemail or wrong_number)")
        })
    }
}

/// A request as the daemon keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackRecord {
    pub id: String,
    pub conversation_id: String,
    pub customer_id: String,
    /// E.164.
    pub phone: String,
    /// The customer's time zone (IANA).
    pub zone: String,
    pub window: Option<CallWindow>,
    pub status: CallbackStatus,
    /// Calls made so far.
    pub attempts: u32,
    /// How the last call went.
    pub outcome: Option<CallbackOutcome>,
    /// Why a failed request failed (`wrong_number`, `attempts_exhausted`, `window_closed`).
    pub failure: Option<String>,
    /// When a scheduled request is next offered or dialed.
    pub next_attempt_at: Option<Millis>,
    pub unverified_phone: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// What the telephone system reported about a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallEvent {
    /// The called party picked up (the customer, or with the customer first, the customer
    /// waiting for an agent).
    Answered,
    NoAnswer,
    Busy,
    Voicemail,
    /// The call ended: after an answer it is over; before one it counts as not answered.
    Hangup,
    /// The number does not belong to the customer or cannot be called.
    WrongNumber,
}

impl CallEvent {
    pub const ALL: [Self; 6] =
        [Self::Answered, Self::NoAnswer, Self::Busy, Self::Voicemail, Self::Hangup, Self::WrongNumber];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::NoAnswer => "no_answer",
            Self::Busy => "busy",
            Self::Voicemail => "voicemail",
            Self::Hangup => "hangup",
            Self::WrongNumber => "wrong_number",
        }
    }
}

impl FromStr for CallEvent {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|e| e.as_str() == s).ok_or_else(|| {
            format!("unknown call event {s:?} (answered, no_answer, busy, voicemail, hangup or wrong_number)")
        })
    }
}

/// Why the daemon did not take a call event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallEventRefused {
    #[error("no such callback request")]
    NotFound,
    /// The event does not fit where the request stands (an event for a finished request).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Refused(#[from] Refused),
}

/// What the daemon offers the callback adapter. Implemented by the daemon.
#[async_trait]
pub trait CallbackDesk: Send + Sync + 'static {
    /// Opens a request (a new conversation on the callback channel, the reason its first
    /// message), or finds the customer's open request for the same number: then nothing new
    /// is written and the second value is false. Durable when this returns.
    async fn request(&self, request: CallbackRequest) -> Result<(CallbackRecord, bool), Refused>;

    /// A request, when it belongs to the app user `app_user_id`.
    async fn find(&self, id: &str, app_user_id: &str) -> Result<Option<CallbackRecord>, Refused>;

    /// Cancels the app user's request (nothing changes when it has ended already); `None`
    /// when it is not theirs.
    async fn cancel(&self, id: &str, app_user_id: &str) -> Result<Option<CallbackRecord>, Refused>;

    /// Records what the telephone system reported about a call to the request.
    async fn call_event(&self, id: &str, event: CallEvent) -> Result<CallbackRecord, CallEventRefused>;
}

/// When a request may be called, by the rules of the channel (calling hours in the
/// customer's zone, the window).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Callable {
    /// Now, until the given time (calling hours close, the window ends), or with no end.
    Now { until: Option<Millis> },
    /// Not before this time.
    At(Millis),
    /// Never again: the window has closed.
    Never,
}

/// What a call's outcome leads to, by the rules of the channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterOutcome {
    /// The customer was reached: the request is complete, the conversation stays with the
    /// agent.
    Completed,
    /// Try again, not before this time.
    Retry { at: Millis },
    /// The request ends failed, for this reason (`wrong_number`, `attempts_exhausted`,
    /// `window_closed`).
    Failed(String),
}

/// Who the telephone system calls first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialOrder {
    /// Nobody: the agent dials the number themselves.
    Manual,
    /// The agent, once they accept; then the customer.
    AgentFirst,
    /// The customer, when the request's time comes; an agent once they answer.
    CustomerFirst,
}

/// A call the dialer is asked to place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dial {
    pub callback_id: String,
    pub conversation_id: String,
    /// E.164.
    pub customer_phone: String,
    /// The agent's login, with the agent first.
    pub agent: Option<String>,
    /// Which attempt this is, from 1.
    pub attempt: u32,
}

/// The callback adapter's half: its rules and its dialer.
#[async_trait]
pub trait CallbackService: Send + Sync + 'static {
    /// When the request may be called, seen at `now`.
    fn callable(&self, call: &CallbackRecord, now: Millis) -> Callable;

    /// What `outcome` leads to; `call.attempts` already counts the call it is the outcome of.
    fn after(&self, call: &CallbackRecord, outcome: CallbackOutcome, now: Millis) -> AfterOutcome;

    fn dial_order(&self) -> DialOrder;

    /// Asks the telephone system to place a call, retrying transient failures within the
    /// adapter's own limits.
    async fn dial(&self, call: &Dial) -> Result<(), DeliveryError>;
}
