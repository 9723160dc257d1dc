//! The one place channels are registered, by kind. Each adapter starts with its context (its
//! configuration section, its inbound sink, the shutdown signal, the task tracker and the
//! clock) and hands back the halves it has; the daemon never speaks a channel's protocol.

use std::collections::HashMap;
use std::sync::Arc;

use switchboard_channel::customer_token::TokenVerifier;
use switchboard_channel::{
    Adapter, CallbackDesk, CallbackService, ChannelContext, ChannelKind, ChannelMetrics, LivePush, SharedClock,
};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{Config, RoutingConfig};
use crate::dispatcher::Adapters;
use crate::hub::Hub;
use crate::inbound::ChannelSink;
use crate::ingest::Ingestor;
use crate::store::Store;

/// What every adapter's context is made of.
pub struct Parts {
    pub ingestor: Ingestor,
    pub store: Arc<dyn Store>,
    pub hub: Arc<Hub>,
    pub clock: SharedClock,
    pub shutdown: CancellationToken,
    pub tasks: TaskTracker,
    pub routing: Arc<RoutingConfig>,
    /// Where the callback channel's requests go.
    pub callbacks: Arc<dyn CallbackDesk>,
}

impl Parts {
    fn context<C>(&self, kind: ChannelKind, config: C) -> ChannelContext<C> {
        let sink = ChannelSink {
            channel: kind,
            ingestor: self.ingestor.clone(),
            store: self.store.clone(),
            hub: self.hub.clone(),
            clock: self.clock.clone(),
            routing: self.routing.clone(),
        };
        ChannelContext {
            kind,
            config,
            sink: Arc::new(sink),
            shutdown: self.shutdown.clone(),
            tasks: self.tasks.clone(),
            clock: self.clock.clone(),
            metrics: ChannelMetrics { channel: kind.as_str() },
        }
    }
}

/// The running adapters.
pub struct Channels {
    adapters: Vec<Arc<dyn Adapter>>,
}

/// A channel that could not start, with the configuration key at fault.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(String);

/// Starts every configured channel; an error names the configuration key at fault.
pub fn start(config: &Config, parts: &Parts) -> Result<Channels, StartError> {
    let chat = switchboard_chat::ChatChannel::start(parts.context(ChannelKind::Chat, config.chat.clone()));
    // Callback requests come from the app with the same customer tokens as its chat.
    let tokens = TokenVerifier::hs256(config.chat.jwt_secret.expose().as_bytes());
    let callback = switchboard_callback::CallbackChannel::start(
        parts.context(ChannelKind::Callback, config.callback.clone()),
        parts.callbacks.clone(),
        tokens,
    )
    .map_err(|e| StartError(e.0))?;
    let mut adapters: Vec<Arc<dyn Adapter>> = vec![chat, callback];
    if let Some(email) = switchboard_email::EmailChannel::start(parts.context(ChannelKind::Email, config.email.clone()))
        .map_err(|e| StartError(e.0))?
    {
        adapters.push(email);
    }
    Ok(Channels { adapters })
}

impl Channels {
    /// The delivering half of every channel, for the dispatcher.
    pub fn outbound(&self) -> Adapters {
        self.adapters.iter().map(|a| (a.kind(), a.outbound())).collect()
    }

    /// The callback channel's rules and dialer.
    pub fn callbacks(&self) -> Option<Arc<dyn CallbackService>> {
        self.adapters.iter().find_map(|a| a.callbacks())
    }

    /// The live halves of the channels that have one.
    pub fn live(&self) -> HashMap<ChannelKind, Arc<dyn LivePush>> {
        self.adapters.iter().filter_map(|a| a.live().map(|live| (a.kind(), live))).collect()
    }

    /// Every channel's HTTP endpoints, to merge into the daemon's router.
    pub fn routes(&self) -> axum::Router {
        self.adapters.iter().filter_map(|a| a.routes()).fold(axum::Router::new(), axum::Router::merge)
    }
}
