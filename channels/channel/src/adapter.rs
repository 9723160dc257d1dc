//! A running channel adapter as the daemon sees it: the halves it has. The daemon registers
//! each adapter once, by its kind, and never speaks its wire protocol.

use std::sync::Arc;

use crate::callback::CallbackService;
use crate::envelope::ChannelKind;
use crate::live::LivePush;
use crate::outbound::OutboundChannel;

/// A started adapter.
pub trait Adapter: Send + Sync + 'static {
    fn kind(&self) -> ChannelKind;

    /// Delivers agent replies over the channel.
    fn outbound(&self) -> Arc<dyn OutboundChannel>;

    /// Reaches connected customers at once, on channels that can.
    fn live(&self) -> Option<Arc<dyn LivePush>> {
        None
    }

    /// The rules and the dialer of a phone-callback channel.
    fn callbacks(&self) -> Option<Arc<dyn CallbackService>> {
        None
    }

    /// HTTP endpoints the adapter serves on the daemon's one listener.
    #[cfg(feature = "http")]
    fn routes(&self) -> Option<axum::Router> {
        None
    }
}
