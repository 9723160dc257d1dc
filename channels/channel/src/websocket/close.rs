//! The websocket close codes of the wire contract.

/// Websocket close codes of the wire contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseCode {
    /// The server is shutting down.
    GoingAway,
    /// Frames that are not valid JSON frames, too many times.
    Malformed,
    /// A text frame that is not UTF-8.
    InvalidText,
    /// Bad or missing credentials, a first frame that is not `hello`, an expired session.
    Unauthorized,
    /// No `hello` within the time allowed.
    HelloTimeout,
    /// A frame over the size limit.
    TooLarge,
    /// Rate limited beyond tolerance.
    RateLimited,
    /// The client reads too slowly and its queue of frames is full.
    SlowConsumer,
    /// The store failed while the session started; the client reconnects shortly.
    Unavailable,
}

impl CloseCode {
    pub const fn code(self) -> u16 {
        match self {
            CloseCode::GoingAway => 1001,
            CloseCode::Malformed => 4400,
            CloseCode::InvalidText => 1007,
            CloseCode::Unauthorized => 4401,
            CloseCode::HelloTimeout => 4408,
            CloseCode::TooLarge => 4413,
            CloseCode::RateLimited => 4429,
            // 1008 "policy violation": the contract names no code for it, and this standard one
            // tells the client not to expect the frames it missed (it resumes with resume_after).
            CloseCode::SlowConsumer => 1008,
            // 1013 "try again later": standard, and unlike 1001 it does not claim a shutdown.
            CloseCode::Unavailable => 1013,
        }
    }

    pub const fn reason(self) -> &'static str {
        match self {
            CloseCode::GoingAway => "server shutting down",
            CloseCode::Malformed => "malformed frames",
            CloseCode::InvalidText => "text frame is not UTF-8",
            CloseCode::Unauthorized => "unauthorized",
            CloseCode::HelloTimeout => "no hello in time",
            CloseCode::TooLarge => "frame too large",
            CloseCode::RateLimited => "rate limited",
            CloseCode::SlowConsumer => "client reads too slowly",
            CloseCode::Unavailable => "try again later",
        }
    }
}
