//! Capacity per channel and overall, and how the agent with most room is chosen.

use switchboard_routing::{AgentProfile, Priority, QueueEntry, RoutingError};

use crate::support::{accept, connect_profile, enqueue, offers, only_offer, router, t};

fn chat(id: &str, since: i64) -> QueueEntry {
    QueueEntry::new(id, "general", Priority::Normal, t(since))
}

fn email(id: &str, since: i64) -> QueueEntry {
    chat(id, since).on_channel("email")
}

#[test]
fn a_channel_limit_binds_below_the_total() {
    let mut router = router();
    let _ = connect_profile(&mut router, t(0), AgentProfile::new("ann", 5).with_channel_capacity("chat", 2));
    let mut offered = Vec::new();
    for n in 0..3 {
        offered.extend(offers(&enqueue(&mut router, t(1), chat(&format!("c{n}"), n))));
    }
    assert_eq!(offered.len(), 2, "two chats fill ann's chat capacity");
    // The total still has room, and email has no limit of its own.
    let (_, conversation, _) = only_offer(&enqueue(&mut router, t(2), email("e1", 2)));
    assert_eq!(conversation.as_str(), "e1");
    let ann = router.agent(&"ann".into()).expect("online");
    assert_eq!(ann.per_channel.get(&"chat".into()), Some(&2));
    assert_eq!(ann.per_channel.get(&"email".into()), Some(&1));
    assert_eq!(ann.capacity.total, 5);
}

#[test]
fn without_channel_limits_only_the_total_binds() {
    let mut router = router();
    let _ = connect_profile(&mut router, t(0), AgentProfile::new("bob", 2));
    let first = offers(&enqueue(&mut router, t(1), chat("c1", 1)));
    let second = offers(&enqueue(&mut router, t(1), email("e1", 1)));
    let third = offers(&enqueue(&mut router, t(1), email("e2", 1)));
    assert_eq!((first.len(), second.len(), third.len()), (1, 1, 0));
}

#[test]
fn most_spare_capacity_on_the_channel_then_longest_since_the_last_offer() {
    let mut router = router();
    let _ = connect_profile(&mut router, t(0), AgentProfile::new("ann", 10).with_channel_capacity("chat", 3));
    let _ = connect_profile(&mut router, t(0), AgentProfile::new("bob", 10).with_channel_capacity("chat", 2));
    // Chat: ann has 3 free chat slots, bob 2.
    assert_eq!(only_offer(&enqueue(&mut router, t(1), chat("c1", 1))).2.as_str(), "ann");
    // Now 2 each: bob has waited longer since his last offer (never, since t0).
    assert_eq!(only_offer(&enqueue(&mut router, t(2), chat("c2", 2))).2.as_str(), "bob");
    // Email has no limit of its own: 9 spare overall each; ann's last offer is the older one.
    assert_eq!(only_offer(&enqueue(&mut router, t(3), email("e1", 3))).2.as_str(), "ann");
    let ann = router.agent(&"ann".into()).expect("online");
    assert_eq!(ann.last_offer_at, t(3));
}

#[test]
fn transfers_and_restores_respect_the_channel_limit() {
    let mut router = router();
    let _ = connect_profile(&mut router, t(0), AgentProfile::new("ann", 5).with_channel_capacity("chat", 1));
    let offer = only_offer(&enqueue(&mut router, t(1), chat("c1", 1)));
    let _ = accept(&mut router, t(2), &offer);
    let _ = enqueue(&mut router, t(3), chat("c2", 3));
    assert_eq!(
        router.transfer_to_agent(t(4), &"c2".into(), &"ann".into()),
        Err(RoutingError::AgentAtCapacity("ann".into()))
    );
    let _ = router.agent_connected(t(4), AgentProfile::new("bob", 1), switchboard_routing::Status::Away);
    let _ = enqueue(&mut router, t(4), email("e1", 4));
    assert!(router.transfer_to_agent(t(5), &"e1".into(), &"ann".into()).is_ok(), "email has room");
    assert_eq!(
        router.restore_assignment(t(6), chat("c3", 6), "ann".into()),
        Err(RoutingError::AgentAtCapacity("ann".into()))
    );
}

#[test]
fn a_restored_assignment_counts_toward_its_channel() {
    let mut router = router();
    router.restore_assignment(t(0), chat("c1", 0), "ann".into()).expect("fresh engine");
    let _ = enqueue(&mut router, t(0), chat("c2", 0));
    let actions = connect_profile(&mut router, t(1), AgentProfile::new("ann", 3).with_channel_capacity("chat", 1));
    assert!(offers(&actions).is_empty(), "the restored chat fills ann's chat capacity");
    assert_eq!(only_offer(&enqueue(&mut router, t(2), email("e1", 2))).1.as_str(), "e1");
}
