//! The websocket machinery every websocket endpoint of the daemon shares, the customer chat
//! and the agent console alike: the session loop, close codes, frame parsing, rate limiting
//! and each connection's bounded frame queue. The protocols' own frames live with them.

mod close;
mod frames;
mod queue;
mod rate;
mod session;
mod slots;

pub use close::CloseCode;
pub use frames::{FrameError, error_frame, parse_frame};
pub use queue::{Frame, FrameReceiver, FrameSender, frame_queue};
pub use rate::{RateLimiter, Verdict};
pub use session::{
    FrameHandler, HELLO_TIMEOUT, Handled, Incoming, Limits, Serve, accept, close, first_frame, forward, next, send,
    send_all, serve,
};
pub use slots::{ConnectionSlots, Slot};
