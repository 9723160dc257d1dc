//! The customer live-chat channel, an adapter written against `switchboard-channel` alone:
//! the `GET /v1/chat` websocket session (PROTOCOL.md section 1), its frames, the verification
//! of the app's customer tokens, the channel's limits and its live side, which turns the
//! daemon's events into frames for the customer's open connections.

pub mod config;
mod connections;
mod delivery;
pub mod frames;
mod session;

use std::sync::Arc;

use switchboard_channel::websocket::{ConnectionSlots, Limits};
use switchboard_channel::{Adapter, ChannelContext, ChannelKind, LivePush, OutboundChannel};

pub use config::ChatConfig;
pub use delivery::delivery_detail;
pub use frames::{AgentName, Author, ClientFrame, ServerFrame};
pub use switchboard_channel::customer_token::{CustomerClaims, TokenError, TokenVerifier};

use connections::Connections;
use delivery::ChatDelivery;

/// What every session of the channel shares.
struct Shared {
    ctx: ChannelContext<ChatConfig>,
    tokens: TokenVerifier,
    connections: Arc<Connections>,
    slots: Arc<ConnectionSlots>,
    limits: Limits,
}

/// The running chat channel.
pub struct ChatChannel {
    shared: Arc<Shared>,
}

impl ChatChannel {
    pub fn start(ctx: ChannelContext<ChatConfig>) -> Arc<Self> {
        let c = &ctx.config;
        let connections = Arc::new(Connections::new(c.outbound_queue, c.max_connections_per_customer));
        let slots = ConnectionSlots::new(c.max_connections, "chat");
        let tokens = TokenVerifier::hs256(c.jwt_secret.expose().as_bytes());
        let limits = c.limits();
        Arc::new(Self { shared: Arc::new(Shared { ctx, tokens, connections, slots, limits }) })
    }
}

impl Adapter for ChatChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Chat
    }

    fn outbound(&self) -> Arc<dyn OutboundChannel> {
        Arc::new(ChatDelivery { connections: self.shared.connections.clone() })
    }

    fn live(&self) -> Option<Arc<dyn LivePush>> {
        Some(self.shared.connections.clone())
    }

    fn routes(&self) -> Option<axum::Router> {
        let router = axum::Router::new().route("/v1/chat", axum::routing::get(session::upgrade));
        Some(router.with_state(self.shared.clone()))
    }
}
