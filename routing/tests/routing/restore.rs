//! Rebuilding state after a restart.

use switchboard_routing::{Action, Priority, QueueEntry, RoutingError, UnassignReason};

use crate::support::{connect, decisions, enqueue, general, only_offer, router, t};

#[test]
fn restored_assignments_survive_a_reconnect_within_grace() {
    let mut router = router();
    router.restore_assignment(t(100), general("c1", Priority::High, t(5)), "ann".into()).expect("fresh engine");
    let _ = enqueue(&mut router, t(100), general("c2", Priority::Normal, t(50)));
    assert_eq!(router.assignee(&"c1".into()).map(|a| a.as_str()), Some("ann"));
    assert_eq!(router.next_deadline(), Some(t(160)));

    let actions = connect(&mut router, t(120), "ann", 2, &[]);
    assert_eq!(router.assignee(&"c1".into()).map(|a| a.as_str()), Some("ann"));
    assert_eq!(only_offer(&actions).1.as_str(), "c2");
    assert_eq!(
        router.restore_assignment(t(120), general("c1", Priority::High, t(5)), "bob".into()),
        Err(RoutingError::AlreadyRouted("c1".into()))
    );
    assert_eq!(
        router.restore_assignment(t(120), QueueEntry::new("c3", "vip", Priority::High, t(5)), "bob".into()),
        Err(RoutingError::UnknownQueue("vip".into()))
    );
}

#[test]
fn restored_assignments_of_absent_agents_return_to_the_queue_in_place() {
    let mut router = router();
    router.restore_assignment(t(100), general("c1", Priority::Normal, t(5)), "ann".into()).expect("fresh engine");
    let _ = enqueue(&mut router, t(100), general("c2", Priority::Normal, t(50)));
    let actions = decisions(router.tick(t(160)));
    assert_eq!(
        actions,
        [
            Action::Unassigned { conversation: "c1".into(), agent: "ann".into(), reason: UnassignReason::AgentOffline },
            Action::Requeued { conversation: "c1".into(), queue: "general".into() },
        ]
    );
    let first = &router.waiting(&"general".into())[0];
    assert_eq!((first.entry.conversation.as_str(), first.entry.waiting_since), ("c1", t(5)));
}
