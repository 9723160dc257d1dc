//! What every adapter is handed when it starts, in the manner of Vector's source context:
//! its own configuration section, the sink its inbound messages go to, the shutdown signal
//! and task tracker it runs under, and the clock it reads time from.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::clock::SharedClock;
use crate::envelope::ChannelKind;
use crate::inbound::InboundSink;

/// An adapter's start-up context. `C` is its configuration section.
#[derive(Clone)]
pub struct ChannelContext<C> {
    pub kind: ChannelKind,
    pub config: C,
    pub sink: Arc<dyn InboundSink>,
    /// Fires when the daemon begins to shut down: every loop of the adapter selects on it.
    pub shutdown: CancellationToken,
    /// Every task the adapter spawns goes here, so shutdown waits for it within the drain.
    pub tasks: TaskTracker,
    pub clock: SharedClock,
    /// Metric labels for this adapter, low-cardinality.
    pub metrics: ChannelMetrics,
}

/// Counters and gauges of one adapter, labelled with its channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelMetrics {
    pub channel: &'static str,
}
