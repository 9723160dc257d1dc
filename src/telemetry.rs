//! Logs and metrics. Logs carry ids and outcomes, never message text; metric labels are
//! low-cardinality (channel, outcome), never ids.

use std::io::IsTerminal;
use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::{LogConfig, LogFormat};

/// Metric names, in one place so dashboards and code agree.
pub mod names {
    /// Counter, label `channel`: customer messages committed.
    pub const MESSAGES_IN: &str = "switchboard_messages_in_total";
    /// Counter, labels `channel`, `result` (`sent`, `retry`, `failed`): delivery attempts.
    pub const MESSAGES_OUT: &str = "switchboard_messages_out_total";
    /// Histogram, label `channel`: seconds from receiving a message to its commit.
    pub const INGEST_SECONDS: &str = "switchboard_ingest_seconds";
    /// Gauge: outbox entries waiting for delivery.
    pub const OUTBOX_PENDING: &str = "switchboard_outbox_pending";
    /// Gauge: outbox entries given up on.
    pub const OUTBOX_FAILED: &str = "switchboard_outbox_failed";
    /// Counter: messages refused because too many writes were waiting for the store.
    pub const STORE_BUSY: &str = "switchboard_store_busy_total";
    /// Counter, label `channel`: messages an adapter could not read, kept in quarantine.
    pub const QUARANTINED: &str = "switchboard_quarantined_total";
    /// Counter, labels `action`, `result` (`pending`, `done`, `failed`): calls of the wallet
    /// backend for account actions.
    pub const ACCOUNT_ACTIONS: &str = "switchboard_account_actions_total";
}

/// Installs the log subscriber. `RUST_LOG`, when set, overrides the configured level.
pub fn init_logging(config: &LogConfig) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.level));
    let json = match config.format {
        LogFormat::Json => true,
        LogFormat::Human => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second install (tests that start several daemons in one process) keeps the first.
    let _ = if json { builder.json().flatten_event(true).try_init() } else { builder.try_init() };
}

/// The process-wide Prometheus recorder, installed on first use.
pub fn metrics() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Suffix("_seconds".into()),
                &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5],
            )
            // The bucket list above is non-empty, so building cannot fail.
            .expect("histogram buckets are valid")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed by an embedding program; then ours only
        // renders what it records, which is nothing, and that is the embedder's choice.
        let _ = metrics::set_global_recorder(recorder);
        for name in [names::OUTBOX_PENDING, names::OUTBOX_FAILED] {
            metrics::gauge!(name).set(0.0);
        }
        handle
    })
}
