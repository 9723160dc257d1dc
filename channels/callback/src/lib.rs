//! The phone-callback channel, an adapter written against `switchboard-channel` alone.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use switchboard_channel::customer_token::TokenVerifier;
use switchboard_channel::{Adapter, CallbackDesk, ChannelContext, ChannelKind, OutboundChannel};

/// The `[callback]` section.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackConfig {}

impl CallbackConfig {
    /// Checks what the types alone cannot; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// A configuration the channel cannot start with, naming the key.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

/// The started callback channel.
pub struct CallbackChannel {}

impl CallbackChannel {
    pub fn start(
        _ctx: ChannelContext<CallbackConfig>,
        _desk: Arc<dyn CallbackDesk>,
        _tokens: TokenVerifier,
    ) -> Result<Arc<Self>, StartError> {
        todo!("skeleton")
    }
}

impl Adapter for CallbackChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Callback
    }

    fn outbound(&self) -> Arc<dyn OutboundChannel> {
        todo!("skeleton")
    }
}
