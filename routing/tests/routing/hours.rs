//! Business hours: new conversations outside them are told when the queue opens, and the
//! first-response clock can pause while closed. These need `BusinessHours` filled in.

use std::collections::BTreeMap;
use std::time::Duration;

use switchboard_routing::{Action, BusinessHours, Millis, Priority, QueueConfig, QueueEntry};

use crate::support::{connect, enqueue, only_offer, router_with, t};

/// Weekdays 09:00–18:00 UTC. The test epoch, t(0), is Friday 2027-01-15 08:00 UTC.
fn office() -> BusinessHours {
    BusinessHours::parse("UTC", &["mon-fri 09:00-18:00"], &[]).expect("valid hours")
}

#[test]
fn a_new_conversation_outside_hours_is_told_when_the_queue_opens_and_is_still_served() {
    let mut router = router_with(vec![QueueConfig { hours: Some(office()), ..QueueConfig::new("general") }]);
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let actions = enqueue(&mut router, t(0), QueueEntry::new("c1", "general", Priority::Normal, t(0)));
    assert!(actions.contains(&Action::OutsideHours {
        conversation: "c1".into(),
        queue: "general".into(),
        opens_at: Some(t(3600)),
    }));
    assert_eq!(only_offer(&actions).2.as_str(), "ann", "an agent present serves it");
    // An update of a waiting conversation is not a new arrival.
    let actions = enqueue(&mut router, t(1), QueueEntry::new("c1", "general", Priority::High, t(0)));
    assert!(!actions.iter().any(|a| matches!(a, Action::OutsideHours { .. })));
    assert!(!router.queue_stats(t(1))[0].open);
}

#[test]
fn the_first_response_clock_pauses_outside_hours() {
    let queue = QueueConfig {
        hours: Some(office()),
        sla_pauses_outside_hours: true,
        first_response: BTreeMap::from([(Priority::Normal, Duration::from_secs(600))]),
        ..QueueConfig::new("general")
    };
    let mut router = router_with(vec![queue]);
    let _ = enqueue(&mut router, t(0), QueueEntry::new("c1", "general", Priority::Normal, t(0)));
    // Closed until 09:00 (t(3600)); ten open minutes later.
    assert_eq!(router.sla_due(&"c1".into()), Some(Millis(t(3600).0 + 600_000)));
}
