//! The customer live-chat channel: the frames of `GET /v1/chat` (PROTOCOL.md section 1), the
//! verification of the app's customer tokens, and the limits every websocket of the daemon
//! shares (close codes, error codes, the per-connection rate limiter).

pub mod frames;
pub mod limits;
pub mod token;

pub use frames::{AgentName, Author, ClientFrame, FrameError, ServerFrame, parse_frame};
pub use limits::{CloseCode, ErrorCode, RateLimiter, Verdict};
pub use token::{CustomerClaims, TokenError, TokenVerifier};
