//! The agent console's wire vocabulary: the frames agents send and receive, and the views of
//! conversations and messages inside them. The console session, the fan-out and the routing
//! actions all speak it; it depends on the domain alone.

pub mod frames;
pub mod stats;
pub mod view;
