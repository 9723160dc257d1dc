//! Figures for supervisors: per-queue stats and agents' loads.

use std::collections::BTreeMap;
use std::time::Duration;

use switchboard_routing::{Priority, QueueConfig, QueueEntry, QueueStats};

use crate::support::{connect, enqueue, router_with, t};

#[test]
fn queue_stats_in_config_order() {
    let general = QueueConfig {
        first_response: BTreeMap::from([(Priority::Urgent, Duration::from_secs(30))]),
        ..QueueConfig::new("general")
    };
    let mut router = router_with(vec![general, QueueConfig::new("refunds").with_skills(["refund"])]);
    let _ = connect(&mut router, t(0), "ann", 1, &["refund"]);
    let _ = connect(&mut router, t(0), "bob", 1, &[]);
    let _ = router.agent_disconnected(t(0), &"bob".into());
    let _ = enqueue(&mut router, t(0), QueueEntry::new("c0", "refunds", Priority::Normal, t(0)));
    let _ = enqueue(&mut router, t(10), QueueEntry::new("c1", "general", Priority::Urgent, t(0)));
    let _ = enqueue(&mut router, t(10), QueueEntry::new("c2", "general", Priority::Low, t(5)));
    assert_eq!(
        router.queue_stats(t(40)),
        [
            QueueStats {
                queue: "general".into(),
                waiting: 2,
                longest_wait: Duration::from_secs(40),
                breached: 1,
                agents_serving: 1,
                open: true,
            },
            QueueStats {
                queue: "refunds".into(),
                waiting: 1,
                longest_wait: Duration::from_secs(40),
                breached: 0,
                agents_serving: 1,
                open: true,
            },
        ]
    );
}
