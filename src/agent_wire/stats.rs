//! The `stats` frame supervisors subscribe to: every queue's backlog and every online agent's
//! status and load.

use std::collections::BTreeMap;

use serde::Serialize;

/// Queues and agents as routing sees them at `at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub at: String,
    pub queues: Vec<QueueStats>,
    pub agents: Vec<AgentStats>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    pub queue: String,
    /// Conversations waiting for an agent (offered ones included).
    pub waiting: usize,
    /// How long the longest-waiting one has waited, in seconds.
    pub longest_wait_s: u64,
    /// Waiting conversations past their first-response target.
    pub sla_breaches: usize,
    /// Online agents having the queue's required skills.
    pub agents_serving: usize,
    /// Inside the queue's business hours.
    pub open: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgentStats {
    pub id: String,
    pub name: String,
    /// `available`, `away`, or `disconnected` (within the reconnect grace).
    pub status: &'static str,
    /// Conversations held or offered, per channel.
    pub load: BTreeMap<String, usize>,
    /// `total` and the per-channel limits.
    pub capacity: BTreeMap<String, u32>,
    /// Conversations the agent resolved since midnight UTC.
    pub handled_today: u32,
}
