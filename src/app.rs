//! Wiring: opens the store, starts the dispatcher and the HTTP listener, tells systemd how
//! it is going, and shuts everything down in order when asked.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use switchboard_channel::websocket::ConnectionSlots;
use switchboard_channel::{SharedClock, SystemClock};

use crate::callbacks::{CallbackParts, Callbacks, RoutingNotices};
use crate::config::Config;
use crate::console::ConsoleState;
use crate::console::login::LoginLimits;
use crate::console::token::AgentTokens;
use crate::dispatcher::Dispatcher;
use crate::events::EventBus;
use crate::http::OpsState;
use crate::hub::Hub;
use crate::ingest::{IngestParts, Ingestor};
use crate::live::LiveCustomers;
use crate::playbook::{Playbook, PlaybookParts};
use crate::routing::RoutingParts;
use crate::store;
use crate::system_messages::SystemMessages;
use crate::triage::Triager;
use crate::{channels, console, http, routing, systemd, telemetry, web};

/// Longest message text any channel may hand in, whatever its own limit says: a safety net
/// under each adapter's limit (chat's is 8,000 characters; emails are far longer).
const MAX_INBOUND_TEXT_CHARS: usize = 1_000_000;

/// Runs the daemon until `shutdown` fires, then drains within `http.shutdown_drain_s`.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let metrics = telemetry::metrics().clone();
    let store = store::open(&config.store.url, &config.store).await?;
    let clock: SharedClock = Arc::new(SystemClock);
    let hub = Arc::new(Hub::new(config.console.outbound_queue));
    let live = Arc::new(LiveCustomers::default());
    let events = EventBus::new(hub.clone(), live.clone());
    let tasks = TaskTracker::new();
    let outbox_wake = Arc::new(Notify::new());
    let system = SystemMessages {
        store: store.clone(),
        events: events.clone(),
        outbox_wake: outbox_wake.clone(),
        clock: clock.clone(),
    };
    let (notices, routing_notices) = RoutingNotices::channel();
    let routing = routing::start(
        RoutingParts {
            store: store.clone(),
            hub: hub.clone(),
            events: events.clone(),
            clock: clock.clone(),
            system: system.clone(),
            callbacks: notices,
        },
        &config.routing,
        shutdown.child_token(),
        &tasks,
    )
    .await?;
    let triage = Arc::new(Triager::new(&config)?);
    let playbook = Playbook::new(PlaybookParts {
        store: store.clone(),
        hub: hub.clone(),
        system: system.clone(),
        clock: clock.clone(),
        tasks: tasks.clone(),
        config: config.playbook.clone(),
        actions: config.actions.clone(),
    });
    let ingestor = Ingestor::new(IngestParts {
        store: store.clone(),
        events: events.clone(),
        routing: routing.clone(),
        triage: triage.clone(),
        system: system.clone(),
        playbook: playbook.clone(),
        sticky: config.routing.queues.iter().any(|q| q.sticky_wait_s > 0),
        max_text_chars: MAX_INBOUND_TEXT_CHARS,
        clock: clock.clone(),
        tasks: tasks.clone(),
    });
    let callbacks = Callbacks::new(CallbackParts {
        store: store.clone(),
        ingestor: ingestor.clone(),
        routing: routing.clone(),
        events: events.clone(),
        hub: hub.clone(),
        system,
        clock: clock.clone(),
        tasks: tasks.clone(),
    });
    let channels = channels::start(
        &config,
        &channels::Parts {
            ingestor: ingestor.clone(),
            store: store.clone(),
            hub: hub.clone(),
            clock: clock.clone(),
            shutdown: shutdown.clone(),
            tasks: tasks.clone(),
            routing: Arc::new(config.routing.clone()),
            callbacks: Arc::new(callbacks.clone()),
        },
    )?;
    if let Some(service) = channels.callbacks() {
        callbacks.start(service, routing_notices, shutdown.child_token()).await?;
    }
    live.set(channels.live());
    let adapters = channels.outbound();
    let dispatcher =
        Dispatcher::new(store.clone(), adapters.clone(), &config.outbox, events.clone(), clock.clone(), live.clone())
            .waking_on(outbox_wake.clone());
    let console = Arc::new(ConsoleState {
        queues: config.routing.queue_names(),
        store: store.clone(),
        events: events.clone(),
        hub: hub.clone(),
        routing: routing.clone(),
        callbacks,
        playbook: playbook.clone(),
        triage,
        clock: clock.clone(),
        slots: ConnectionSlots::new(config.console.max_connections, "agent"),
        agent_tokens: AgentTokens::new(config.console.token_secret.expose(), config.console.token_ttl_s),
        login_limits: LoginLimits::new(&config.console, clock.clone()),
        outbox_wake,
        shutdown: shutdown.clone(),
        tasks: tasks.clone(),
        chat_by_email_after: config.email.chat_by_email_after(),
        config: config.console.clone(),
    });
    let ops = Arc::new(OpsState { store: store.clone(), adapters, metrics });
    tasks.spawn(dispatcher.run(shutdown.child_token()));
    tasks.spawn(playbook.run(shutdown.child_token()));

    let listener = TcpListener::bind(config.http.listen).await?;
    let address: SocketAddr = listener.local_addr()?;
    tracing::info!(%address, store = %redacted_url(&config.store.url), "Listening");
    let routes = console::routes(console).merge(channels.routes()).merge(web::routes(&config, clock.clone()));
    let router = http::router(ops, routes);
    let limits = http::server::ServeLimits::from(&config.http);
    let server = tasks.spawn(http::server::serve(listener, router, limits, shutdown.clone()));
    systemd::ready();
    tasks.spawn(systemd::watchdog(store.clone(), shutdown.child_token()));

    shutdown.cancelled().await;
    systemd::stopping();
    tracing::info!("Shutting down");
    tasks.close();
    let drain = Duration::from_secs(config.http.shutdown_drain_s);
    if tokio::time::timeout(drain, tasks.wait()).await.is_err() {
        tracing::warn!(drain_s = drain.as_secs(), "Drain deadline passed; exiting with work in flight");
    }
    if let Err(e) = server.await
        && !e.is_cancelled()
    {
        tracing::warn!(error = %e, "HTTP server task failed");
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
