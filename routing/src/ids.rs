//! Opaque identifiers. Each kind has its own type so a conversation id can never be passed where
//! an agent id is expected. They are shared strings: the engine keys many indexes by them, and a
//! clone is a reference count, not an allocation.

use std::fmt;
use std::sync::Arc;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Arc<str>);

        impl $name {
            /// Wraps an id as stored or sent on the wire.
            pub fn new(id: impl Into<String>) -> Self {
                Self(Arc::from(id.into()))
            }

            /// The id as stored or sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(Arc::from(id))
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(Arc::from(id))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A conversation, as the daemon's store names it.
    ConversationId
);
id_type!(
    /// An agent, as the daemon's store names it.
    AgentId
);
id_type!(
    /// An offer made by the engine; unique across restarts because it carries the engine's start time.
    OfferId
);
id_type!(
    /// A queue, as named in the configuration.
    QueueName
);
id_type!(
    /// A channel a conversation arrives on (`chat`, `email`, `phone`…), as the daemon names it.
    ChannelName
);
