//! The phone-callback channel, an adapter written against `switchboard-channel` alone: the
//! request API of PROTOCOL.md section 3, the rules of when a customer may be called and what
//! a call's outcome leads to, and the dialer with the telephone system's events.
//!
//! - [`config`]: the `[callback]` section and its checks.
//! - `phone`: numbers as customers type them, checked and kept in E.164.
//! - `zones`, `country_zones`: the zone a customer is called in, and the built-in table of
//!   each country's first zone.
//! - [`hours`]: weekly calling hours and the next stretch of them, in the customer's zone.
//! - `rules`: `callable` and `after`, the channel's half of the request's life.
//! - `do_not_call`: numbers never called.
//! - `request`, `api`, `record`, `error`, `body`: the HTTP API: the body's checks, the
//!   handlers, the record as shown, the error answers, bounded body reads.
//! - `rate`: keyed rate limits with bounded memory.
//! - `dialer`, `events`: the webhook dialer (signed as `switchboard_channel::webhook` signs),
//!   and the telephone system's call events.

mod api;
mod body;
pub mod config;
mod country_zones;
mod dialer;
mod do_not_call;
mod error;
mod events;
pub mod hours;
mod phone;
mod rate;
mod record;
mod request;
mod rules;
mod zones;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::routing::{get, post};
use switchboard_channel::customer_token::TokenVerifier;
use switchboard_channel::{
    Adapter, AfterOutcome, Callable, CallbackDesk, CallbackOutcome, CallbackRecord, CallbackService, ChannelContext,
    ChannelKind, DeliveryError, DeliveryReceipt, Dial, DialOrder, InboundSink, Millis, Outbound, OutboundChannel,
    Secret, SharedClock,
};

pub use config::{CallbackConfig, DialerKind, RateConfig, WebhookConfig, WebhookOrder};
pub use hours::WeeklyHours;

use dialer::{Dialer, WebhookDialer};
use do_not_call::DoNotCall;
use events::SeenEvents;
use hours::CallingHours;
use request::Checks;
use rules::Rules;
use zones::ZoneDefaults;

/// A configuration the channel cannot start with, naming the key.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

/// What the HTTP handlers share.
struct Shared {
    desk: Arc<dyn CallbackDesk>,
    tokens: TokenVerifier,
    clock: SharedClock,
    sink: Arc<dyn InboundSink>,
    max_body_bytes: usize,
    checks: Checks,
    /// The rules, for a window no calling hours fall in.
    rules: Arc<Rules>,
    limits: api::Limits,
    /// What events are verified with; `None` without the webhook dialer.
    webhook: Option<EventKey>,
    seen: SeenEvents,
}

/// The key and tolerance the telephone system's events are checked with.
struct EventKey {
    secret: Secret,
    events_tolerance_s: u64,
}

/// The channel's rules and dialer, the daemon's [`CallbackService`].
struct Service {
    rules: Arc<Rules>,
    dialer: Dialer,
}

/// The started callback channel.
pub struct CallbackChannel {
    shared: Arc<Shared>,
    service: Arc<Service>,
}

impl CallbackChannel {
    pub fn start(
        ctx: ChannelContext<CallbackConfig>,
        desk: Arc<dyn CallbackDesk>,
        tokens: TokenVerifier,
    ) -> Result<Arc<Self>, StartError> {
        let c = &ctx.config;
        c.validate().map_err(StartError)?;
        let rules = Arc::new(Rules {
            hours: CallingHours::new(&c.calling_hours).map_err(StartError)?,
            max_attempts: c.max_attempts,
            backoff: c.retry_backoff_s.iter().map(|s| Duration::from_secs(*s)).collect(),
            fallback_zone: zones::lookup(&c.default_zone).map_err(StartError)?,
        });
        let checks = Checks {
            max_reason_chars: c.max_reason_chars,
            horizon: Duration::from_secs(u64::from(c.horizon_days) * 86_400),
            do_not_call: DoNotCall::new(&c.do_not_call).map_err(StartError)?,
            zones: ZoneDefaults::new(&c.country_zones, &c.default_zone).map_err(StartError)?,
        };
        let (dialer, webhook) = match c.dialer {
            DialerKind::Manual => (Dialer::Manual, None),
            DialerKind::Webhook => {
                let w = WebhookDialer::new(&c.webhook, ctx.clock.clone(), ctx.shutdown.clone()).map_err(StartError)?;
                let key =
                    EventKey { secret: c.webhook.secret.clone(), events_tolerance_s: c.webhook.events_tolerance_s };
                (Dialer::Webhook(Box::new(w)), Some(key))
            }
        };
        let seen = SeenEvents::new(Duration::from_secs(2 * c.webhook.events_tolerance_s));
        let shared = Shared {
            desk,
            tokens,
            clock: ctx.clock.clone(),
            sink: ctx.sink.clone(),
            max_body_bytes: c.max_body_bytes,
            checks,
            rules: rules.clone(),
            limits: api::Limits::new(&c.rate),
            webhook,
            seen,
        };
        tracing::info!(dialer = ?c.dialer, "Callback channel started");
        Ok(Arc::new(Self { shared: Arc::new(shared), service: Arc::new(Service { rules, dialer }) }))
    }
}

impl Adapter for CallbackChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Callback
    }

    fn outbound(&self) -> Arc<dyn OutboundChannel> {
        Arc::new(CallbackOutbound { service: self.service.clone() })
    }

    fn callbacks(&self) -> Option<Arc<dyn CallbackService>> {
        Some(self.service.clone())
    }

    fn routes(&self) -> Option<axum::Router> {
        let router = axum::Router::new()
            .route("/v1/callbacks", post(api::create))
            .route("/v1/callbacks/{id}", get(api::get).delete(api::cancel))
            .route("/v1/callbacks/{id}/events", post(events::receive));
        Some(router.with_state(self.shared.clone()))
    }
}

#[async_trait]
impl CallbackService for Service {
    fn callable(&self, call: &CallbackRecord, now: Millis) -> Callable {
        self.rules.callable(call, now)
    }

    fn after(&self, call: &CallbackRecord, outcome: CallbackOutcome, now: Millis) -> AfterOutcome {
        self.rules.after(call, outcome, now)
    }

    fn dial_order(&self) -> DialOrder {
        self.dialer.order()
    }

    async fn dial(&self, call: &Dial) -> Result<(), DeliveryError> {
        self.dialer.dial(call).await
    }
}

/// The channel's outbound half: nothing is sent over it, and it is ready while the dialer is.
struct CallbackOutbound {
    service: Arc<Service>,
}

#[async_trait]
impl OutboundChannel for CallbackOutbound {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Callback
    }

    async fn deliver(&self, _message: &Outbound) -> Result<DeliveryReceipt, DeliveryError> {
        Err(DeliveryError::Permanent(
            "a callback conversation is answered by phone; the reply is kept in its history".into(),
        ))
    }

    async fn ready(&self) -> Result<(), String> {
        self.service.dialer.ready()
    }
}
