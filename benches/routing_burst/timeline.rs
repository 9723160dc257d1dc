//! What the daemon's own log says about the burst: when each conversation was triaged (the
//! moment its enqueue command is sent to the routing task), offered and assigned (both logged
//! by the routing task once the action's store writes and reads are done). The gaps between
//! them show where a conversation waited inside the daemon.

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::stats::{self, Samples};

/// The log lines of one stage, in milliseconds after t0.
pub struct Stage {
    pub name: &'static str,
    pub count: usize,
    pub first_ms: f64,
    pub last_ms: f64,
}

pub struct Timeline {
    pub stages: Vec<Stage>,
    /// Offered and Assigned lines of burst conversations: the routing task's actions.
    pub actions: usize,
    /// From the first to the last of them.
    pub actions_span_ms: f64,
    /// Per conversation: Triaged → Offered (queued behind the routing task's other commands,
    /// then the offer's own writes) and Offered → Assigned (the agent's round trip, the accept
    /// queued behind other commands, then the assignment's own writes).
    pub triaged_to_offered: stats::Summary,
    pub offered_to_assigned: stats::Summary,
}

/// The stages of the burst conversations in `logs` (JSON lines), timed from `t0`.
pub fn read(logs: &str, t0: OffsetDateTime, burst: &HashSet<String>) -> Timeline {
    const NAMES: [&str; 3] = ["Triaged", "Offered", "Assigned"];
    // Microseconds after t0, the first line of each stage per conversation.
    let mut at: [HashMap<String, i64>; 3] = Default::default();
    let mut counts = [0usize; 3];
    for line in logs.lines() {
        // Cheap filter first: most lines are of other kinds.
        if !NAMES.iter().any(|n| line.contains(n)) {
            continue;
        }
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let Some(stage) =
            entry.get("message").and_then(|m| m.as_str()).and_then(|m| NAMES.iter().position(|n| *n == m))
        else {
            continue;
        };
        let Some(conversation) = entry.get("conversation_id").and_then(|c| c.as_str()) else { continue };
        if !burst.contains(conversation) {
            continue;
        }
        let Some(when) =
            entry.get("timestamp").and_then(|t| t.as_str()).and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        else {
            continue;
        };
        let micros = (when - t0).whole_microseconds() as i64;
        counts[stage] += 1;
        at[stage].entry(conversation.to_owned()).and_modify(|m| *m = (*m).min(micros)).or_insert(micros);
    }
    let ms = |us: i64| us as f64 / 1000.0;
    let stages = NAMES
        .iter()
        .zip(&at)
        .zip(counts)
        .map(|((name, times), count)| Stage {
            name,
            count,
            first_ms: times.values().min().map_or(f64::NAN, |&m| ms(m)),
            last_ms: times.values().max().map_or(f64::NAN, |&m| ms(m)),
        })
        .collect();
    let routing: Vec<i64> = at[1].values().chain(at[2].values()).copied().collect();
    let span = match (routing.iter().min(), routing.iter().max()) {
        (Some(first), Some(last)) => ms(last - first),
        _ => f64::NAN,
    };
    let gap = |from: &HashMap<String, i64>, to: &HashMap<String, i64>| {
        let mut samples = Samples::default();
        for (c, start) in from {
            if let Some(end) = to.get(c) {
                samples.record((end - start).max(0) as u64);
            }
        }
        stats::summarize(samples)
    };
    Timeline {
        stages,
        actions: routing.len(),
        actions_span_ms: span,
        triaged_to_offered: gap(&at[0], &at[1]),
        offered_to_assigned: gap(&at[1], &at[2]),
    }
}
