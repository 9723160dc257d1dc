//! Sticky agents: for the queue's `sticky_wait` a returning customer is offered only to the agent
//! who served them, then to anyone.

use std::time::Duration;

use switchboard_routing::{Priority, QueueConfig, QueueEntry};

use crate::support::{accept, connect, enqueue, offers, only_offer, router_with, t};

fn sticky_queue() -> QueueConfig {
    QueueConfig { sticky_wait: Duration::from_secs(60), ..QueueConfig::new("general") }
}

fn returning(id: &str, since: i64) -> QueueEntry {
    QueueEntry::new(id, "general", Priority::Normal, t(since)).sticky_to("ann")
}

#[test]
fn the_sticky_agent_first_even_when_others_rank_higher() {
    let mut router = router_with(vec![sticky_queue()]);
    let _ = connect(&mut router, t(0), "ann", 3, &[]);
    let _ = connect(&mut router, t(0), "bob", 3, &[]);
    let first = only_offer(&enqueue(&mut router, t(1), QueueEntry::new("c0", "general", Priority::Normal, t(1))));
    assert_eq!(first.2.as_str(), "ann");
    let _ = accept(&mut router, t(2), &first);
    // bob has more room, but the customer is ann's.
    assert_eq!(only_offer(&enqueue(&mut router, t(3), returning("c1", 3))).2.as_str(), "ann");
}

#[test]
fn while_the_sticky_agent_is_busy_it_waits_then_goes_to_anyone() {
    let mut router = router_with(vec![sticky_queue()]);
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let busy = only_offer(&enqueue(&mut router, t(0), QueueEntry::new("c0", "general", Priority::Normal, t(0))));
    let _ = accept(&mut router, t(1), &busy);
    let _ = connect(&mut router, t(1), "bob", 1, &[]);
    assert!(offers(&enqueue(&mut router, t(10), returning("c1", 10))).is_empty(), "reserved for ann");
    assert_eq!(router.waiting(&"general".into())[0].sticky.as_ref().map(|a| a.as_str()), Some("ann"));
    assert_eq!(router.next_deadline(), Some(t(70)));
    assert!(offers(&router.tick(t(69))).is_empty());
    let (_, conversation, agent) = only_offer(&router.tick(t(70)));
    assert_eq!((conversation.as_str(), agent.as_str()), ("c1", "bob"));
}

#[test]
fn a_sticky_agent_who_declines_ends_stickiness() {
    let mut router = router_with(vec![sticky_queue()]);
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let _ = connect(&mut router, t(0), "bob", 1, &[]);
    let (offer, _, ann) = only_offer(&enqueue(&mut router, t(1), returning("c1", 1)));
    assert_eq!(ann.as_str(), "ann");
    let actions = router.decline(t(2), &ann, &offer).expect("open offer");
    assert_eq!(only_offer(&actions).2.as_str(), "bob");
}

#[test]
fn a_sticky_agent_who_lets_it_lapse_ends_stickiness() {
    let mut router = router_with(vec![sticky_queue()]);
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let _ = connect(&mut router, t(0), "bob", 1, &[]);
    let _ = enqueue(&mut router, t(1), returning("c1", 1));
    let actions = router.tick(t(31));
    assert_eq!(only_offer(&actions).2.as_str(), "bob");
}
