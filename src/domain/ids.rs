//! Opaque identifiers. They are strings on the wire and in storage; the newtypes keep a
//! conversation id from being passed where an agent id is expected.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// A fresh id: a prefix saying what it names, then a time-ordered UUID.
            pub fn generate() -> Self {
                Self(format!(concat!($prefix, "_{}"), uuid::Uuid::now_v7().simple()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

id_type!(
    /// A customer, across all their identities and channels.
    CustomerId,
    "cu"
);
id_type!(
    /// One conversation: a thread of messages on one channel.
    ConversationId,
    "cv"
);
id_type!(
    /// One stored message.
    MessageId,
    "msg"
);
id_type!(
    /// A support agent.
    AgentId,
    "ag"
);
id_type!(
    /// A phone-callback request.
    CallbackId,
    "cb"
);
id_type!(
    /// An account action asked of the wallet's backend (a freeze); also its idempotency key.
    ActionId,
    "act"
);
