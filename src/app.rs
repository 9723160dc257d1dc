//! Wiring: opens the store, starts the dispatcher and the HTTP listener, tells systemd how
//! it is going, and shuts everything down in order when asked.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use switchboard_channel::ChannelKind;
use switchboard_chat::TokenVerifier;

use crate::chat::ChatDelivery;
use crate::config::Config;
use crate::console::login::LoginLimits;
use crate::console::token::AgentTokens;
use crate::dispatcher::{Adapters, Dispatcher};
use crate::events::EventBus;
use crate::hub::Hub;
use crate::ingest::{IngestParts, Ingestor};
use crate::routing::RoutingHandle;
use crate::store::{self, Store};
use crate::triage::Triager;
use crate::{http, routing, systemd, telemetry};

/// What request handlers and sessions share.
pub struct AppState {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub adapters: Adapters,
    pub events: EventBus,
    pub hub: Arc<Hub>,
    pub routing: RoutingHandle,
    pub ingestor: Ingestor,
    pub triage: Arc<Triager>,
    pub customer_tokens: TokenVerifier,
    pub agent_tokens: AgentTokens,
    pub login_limits: LoginLimits,
    pub metrics: PrometheusHandle,
    /// Wakes the outbox dispatcher after a reply is committed.
    pub outbox_wake: Arc<Notify>,
    /// Fires when the daemon begins to shut down; long-lived sessions watch it.
    pub shutdown: CancellationToken,
}

/// Runs the daemon until `shutdown` fires, then drains within `http.shutdown_drain_s`.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let metrics = telemetry::metrics().clone();
    let store = store::open(&config.store.url, &config.store).await?;
    let hub = Arc::new(Hub::new(config.chat.outbound_queue, config.console.outbound_queue));
    let events = EventBus::new(hub.clone());
    let tasks = TaskTracker::new();
    let routing =
        routing::start(store.clone(), hub.clone(), events.clone(), &config.routing, shutdown.child_token(), &tasks)
            .await?;
    let mut adapters = Adapters::new();
    adapters.insert(ChannelKind::Chat, Arc::new(ChatDelivery { hub: hub.clone() }));
    let dispatcher = Dispatcher::new(store.clone(), adapters.clone(), &config.outbox, events.clone());
    let triage = Arc::new(Triager::new(&config)?);
    let state = Arc::new(AppState {
        ingestor: Ingestor::new(IngestParts {
            store: store.clone(),
            events: events.clone(),
            routing: routing.clone(),
            triage: triage.clone(),
            outbox_wake: dispatcher.waker(),
            max_text_chars: config.chat.max_text_chars,
        }),
        triage,
        outbox_wake: dispatcher.waker(),
        customer_tokens: TokenVerifier::hs256(config.chat.jwt_secret.expose().as_bytes()),
        agent_tokens: AgentTokens::new(config.console.token_secret.expose(), config.console.token_ttl_s),
        login_limits: LoginLimits::new(config.console.login_attempts_per_minute),
        config,
        store,
        adapters,
        events,
        hub,
        routing,
        metrics,
        shutdown: shutdown.clone(),
    });
    tasks.spawn(dispatcher.run(shutdown.child_token()));

    let listener = TcpListener::bind(state.config.http.listen).await?;
    let address: SocketAddr = listener.local_addr()?;
    tracing::info!(%address, store = %redacted_url(&state.config.store.url), "Listening");
    // Frames are small and latency matters more than packet count: no Nagle delay.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let server = axum::serve(listener, http::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown.clone().cancelled_owned());
    let server = tasks.spawn(async move { server.await });
    systemd::ready();
    tasks.spawn(systemd::watchdog(state.store.clone(), shutdown.child_token()));

    shutdown.cancelled().await;
    systemd::stopping();
    tracing::info!("Shutting down");
    tasks.close();
    let drain = Duration::from_secs(state.config.http.shutdown_drain_s);
    if tokio::time::timeout(drain, tasks.wait()).await.is_err() {
        tracing::warn!(drain_s = drain.as_secs(), "Drain deadline passed; exiting with work in flight");
    }
    match server.await {
        Ok(Err(e)) => tracing::warn!(error = %e, "HTTP server ended with an error"),
        Err(e) if !e.is_cancelled() => tracing::warn!(error = %e, "HTTP server task failed"),
        _ => {}
    }
    tracing::info!("Stopped");
    Ok(())
}

/// A store URL for logs: the password of a `postgres://user:password@host` URL masked.
fn redacted_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:********{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Resolves when the process is asked to stop (SIGTERM or SIGINT).
pub async fn termination_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "Cannot listen for SIGTERM");
            return std::future::pending().await;
        }
    };
    tokio::select! {
        _ = term.recv() => tracing::info!(signal = "SIGTERM", "Stop requested"),
        _ = tokio::signal::ctrl_c() => tracing::info!(signal = "SIGINT", "Stop requested"),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted_url;

    #[test]
    fn passwords_in_store_urls_are_masked() {
        assert_eq!(redacted_url("postgres://sb:hunter2@db/sb"), "postgres://sb:********@db/sb");
        assert_eq!(redacted_url("postgres://sb@db/sb"), "postgres://sb@db/sb");
        assert_eq!(redacted_url("sqlite://switchboard.db"), "sqlite://switchboard.db");
    }
}
