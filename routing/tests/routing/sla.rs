//! First-response targets: due times, near breach, breach, and overflow.

use std::collections::BTreeMap;
use std::time::Duration;

use switchboard_routing::{Action, DecisionKind, MoveReason, Overflow, Priority, QueueConfig, QueueEntry};

use crate::support::{accept, connect, decisions, enqueue, explanations, line, only_offer, router_with, t};

fn targets(pairs: &[(Priority, u64)]) -> BTreeMap<Priority, Duration> {
    pairs.iter().map(|(priority, s)| (*priority, Duration::from_secs(*s))).collect()
}

fn overflowing(after: u64) -> Vec<QueueConfig> {
    vec![
        QueueConfig {
            first_response: targets(&[(Priority::Normal, 60)]),
            overflow: Some(Overflow { queue: "backup".into(), after: Duration::from_secs(after) }),
            ..QueueConfig::new("general")
        },
        QueueConfig::new("backup"),
    ]
}

fn normal(id: &str, since: i64) -> QueueEntry {
    QueueEntry::new(id, "general", Priority::Normal, t(since))
}

#[test]
fn the_due_time_is_waiting_since_plus_the_target() {
    let mut router = router_with(overflowing(0));
    let _ = enqueue(&mut router, t(5), normal("c1", 0));
    assert_eq!(router.sla_due(&"c1".into()), Some(t(60)));
    let _ = enqueue(&mut router, t(5), QueueEntry::new("c2", "general", Priority::Low, t(0)));
    assert_eq!(router.sla_due(&"c2".into()), None, "no target for low");
}

#[test]
fn a_breach_raises_the_priority_and_moves_to_the_overflow_queue() {
    let mut router = router_with(overflowing(0));
    let _ = enqueue(&mut router, t(0), normal("c1", 0));
    assert_eq!(router.next_deadline(), Some(t(60)));
    assert!(decisions(router.tick(t(59))).is_empty());
    assert_eq!(
        decisions(router.tick(t(60))),
        [
            Action::SlaBreached { conversation: "c1".into(), queue: "general".into(), priority: Priority::High },
            Action::Moved {
                conversation: "c1".into(),
                from: "general".into(),
                to: "backup".into(),
                reason: MoveReason::SlaBreach,
            },
        ]
    );
    let moved = &router.waiting(&"backup".into())[0];
    assert_eq!((moved.priority, moved.entry.waiting_since), (Priority::High, t(0)));
    assert_eq!(moved.entry.queue.as_str(), "backup");
    assert!(router.queue_stats(t(60)).iter().all(|q| q.breached <= 1));
}

#[test]
fn no_breach_once_assigned() {
    let mut router = router_with(overflowing(0));
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let offer = only_offer(&enqueue(&mut router, t(0), normal("c1", 0)));
    let _ = accept(&mut router, t(10), &offer);
    assert!(decisions(router.tick(t(60))).is_empty());
    assert_eq!(router.next_deadline(), None);
}

fn overflowing_to_english(after: u64) -> Vec<QueueConfig> {
    vec![
        QueueConfig {
            overflow: Some(Overflow { queue: "backup".into(), after: Duration::from_secs(after) }),
            ..QueueConfig::new("general")
        },
        QueueConfig::new("backup").with_skills(["en"]),
    ]
}

#[test]
fn overflow_after_waiting_without_breach() {
    let mut router = router_with(overflowing_to_english(120));
    let _ = enqueue(&mut router, t(0), normal("c1", 0));
    assert_eq!(router.next_deadline(), Some(t(120)));
    assert!(decisions(router.tick(t(119))).is_empty());
    assert_eq!(
        decisions(router.tick(t(120))),
        [Action::Moved {
            conversation: "c1".into(),
            from: "general".into(),
            to: "backup".into(),
            reason: MoveReason::Overflow,
        }]
    );
    assert_eq!(line(&router, "backup"), ["c1"]);
    assert_eq!(router.waiting(&"backup".into())[0].entry.waiting_since, t(0));
}

#[test]
fn an_offer_that_no_longer_fits_after_overflow_is_withdrawn() {
    let mut router = router_with(overflowing_to_english(20));
    let _ = connect(&mut router, t(0), "zh", 1, &["zh"]);
    let (offer, _, _) = only_offer(&enqueue(&mut router, t(0), normal("c1", 0)));
    let actions = decisions(router.tick(t(20)));
    assert_eq!(
        actions,
        [
            Action::Moved {
                conversation: "c1".into(),
                from: "general".into(),
                to: "backup".into(),
                reason: MoveReason::Overflow,
            },
            Action::RevokeOffer {
                offer_id: offer,
                agent: "zh".into(),
                conversation: "c1".into(),
                reason: switchboard_routing::RevokeReason::Withdrawn,
            },
        ]
    );
    let _ = connect(&mut router, t(21), "en", 1, &["en"]);
    assert!(router.waiting(&"backup".into())[0].offer.as_ref().is_some_and(|(_, to)| to.as_str() == "en"));
}

#[test]
fn near_breach_rises_above_the_same_priority_but_not_above_urgent() {
    let queue = QueueConfig {
        first_response: targets(&[(Priority::Normal, 120), (Priority::High, 3600)]),
        near_breach: Duration::from_secs(60),
        ..QueueConfig::new("general")
    };
    let mut router = router_with(vec![queue]);
    let _ = enqueue(&mut router, t(0), QueueEntry::new("high", "general", Priority::High, t(0)));
    let _ = enqueue(&mut router, t(0), normal("normal", 0));
    let _ = enqueue(&mut router, t(0), QueueEntry::new("urgent", "general", Priority::Urgent, t(0)));
    assert_eq!(line(&router, "general"), ["urgent", "high", "normal"]);
    let _ = router.tick(t(59));
    assert_eq!(line(&router, "general"), ["urgent", "high", "normal"]);
    // From due − 60 s, normal counts as high, and its due time is the earlier one.
    let _ = router.tick(t(60));
    assert_eq!(line(&router, "general"), ["urgent", "normal", "high"]);
    assert_eq!(router.waiting(&"general".into())[1].priority, Priority::High);
    // At the due time it breaches and stays one level up (high), still below urgent.
    let actions = decisions(router.tick(t(120)));
    assert_eq!(
        actions,
        [Action::SlaBreached { conversation: "normal".into(), queue: "general".into(), priority: Priority::High }]
    );
    assert_eq!(line(&router, "general"), ["urgent", "normal", "high"]);
}

#[test]
fn overflow_chains_move_step_by_step_and_explain_each_move() {
    let step = |name: &str, to: &str| QueueConfig {
        overflow: Some(Overflow { queue: to.into(), after: Duration::from_secs(10) }),
        ..QueueConfig::new(name)
    };
    let mut router = router_with(vec![step("general", "second"), step("second", "third"), QueueConfig::new("third")]);
    let _ = enqueue(&mut router, t(0), normal("c1", 0));
    let actions = router.tick(t(10));
    let moved = explanations(&actions).into_iter().find(|d| d.kind == DecisionKind::Moved).expect("explained");
    assert!(moved.text.starts_with("c1 moves from general to second because it waited 10 s there"), "{}", moved.text);
    assert_eq!(line(&router, "second"), ["c1"]);
    assert_eq!(router.next_deadline(), Some(t(20)), "counted from entering second");
    let _ = router.tick(t(20));
    assert_eq!(line(&router, "third"), ["c1"]);
    assert_eq!(router.next_deadline(), None);
}

#[test]
fn a_breached_conversation_stays_raised_when_requeued() {
    let queue = QueueConfig { first_response: targets(&[(Priority::Normal, 60)]), ..QueueConfig::new("general") };
    let mut router = router_with(vec![queue]);
    let _ = enqueue(&mut router, t(0), normal("c1", 0));
    let _ = router.tick(t(60));
    assert_eq!(router.waiting(&"general".into())[0].priority, Priority::High);
    let _ = connect(&mut router, t(61), "ann", 1, &[]);
    let offer = router.waiting(&"general".into())[0].offer.clone().expect("offered to ann");
    let _ = router.accept(t(62), &offer.1, &offer.0).expect("open offer");
    // Put back in the queue by someone: still one level up, and no second breach.
    let actions = decisions(enqueue(&mut router, t(70), normal("c1", 0)));
    assert!(!actions.iter().any(|a| matches!(a, Action::SlaBreached { .. })), "{actions:#?}");
    assert_eq!(router.waiting(&"general".into())[0].priority, Priority::High);
}

#[test]
fn a_conversation_offered_at_its_due_time_still_breaches_and_keeps_a_fitting_offer() {
    let queue = QueueConfig { first_response: targets(&[(Priority::Normal, 20)]), ..QueueConfig::new("general") };
    let mut router = router_with(vec![queue]);
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let (offer, _, _) = only_offer(&enqueue(&mut router, t(0), normal("c1", 0)));
    let actions = decisions(router.tick(t(20)));
    assert_eq!(
        actions,
        [Action::SlaBreached { conversation: "c1".into(), queue: "general".into(), priority: Priority::High }]
    );
    assert_eq!(router.waiting(&"general".into())[0].offer.as_ref().map(|(o, _)| o), Some(&offer));
}

#[test]
fn the_raised_priority_given_back_in_an_update_is_not_raised_again() {
    let queues = vec![QueueConfig {
        first_response: targets(&[(Priority::Normal, 60), (Priority::High, 30)]),
        near_breach: Duration::from_secs(10),
        ..QueueConfig::new("general")
    }];
    let mut router = router_with(queues);
    let _ = enqueue(&mut router, t(0), normal("c1", 0));
    let breached = decisions(router.tick(t(60)));
    assert!(breached.contains(&Action::SlaBreached {
        conversation: "c1".into(),
        queue: "general".into(),
        priority: Priority::High
    }));
    // The customer writes again; the daemon hands back the priority it stored: high.
    let update = QueueEntry::new("c1", "general", Priority::High, t(0));
    let actions = decisions(enqueue(&mut router, t(70), update));
    assert!(!actions.iter().any(|a| matches!(a, Action::SlaBreached { .. })), "{actions:?}");
    assert_eq!(router.waiting(&"general".into())[0].priority, Priority::High, "raised once, not twice");
}

#[test]
fn a_settled_entry_restored_past_its_due_time_does_not_breach_again() {
    let mut router = router_with(overflowing(0));
    let restored = QueueEntry::new("c1", "general", Priority::High, t(0)).settled();
    let actions = decisions(enqueue(&mut router, t(600), restored));
    assert!(!actions.iter().any(|a| matches!(a, Action::SlaBreached { .. } | Action::Moved { .. })), "{actions:?}");
    assert_eq!(router.waiting(&"general".into())[0].priority, Priority::High);
    // An entry that is not settled breaches at once.
    let late = decisions(enqueue(&mut router, t(600), normal("c2", 0)));
    assert!(late.iter().any(|a| matches!(a, Action::SlaBreached { .. })), "{late:?}");
}
