//! Queue positions and wait estimates reported to waiting customers.

use switchboard_routing::{Action, Priority, QueuePosition};

use crate::support::{connect, enqueue, general, only_offer, router, t};

fn positions(actions: &[Action]) -> Vec<(String, u32, u32)> {
    actions
        .iter()
        .filter_map(|action| match action {
            Action::QueuePositions(changed) => Some(changed),
            _ => None,
        })
        .flatten()
        .map(|p| (p.conversation.to_string(), p.position, p.estimated_wait_s))
        .collect()
}

#[test]
fn positions_are_reported_on_change_only() {
    let mut router = router();
    // Nobody serving: one slot assumed, 300 s per conversation.
    let actions = enqueue(&mut router, t(0), general("c1", Priority::Normal, t(0)));
    assert_eq!(positions(&actions), [("c1".to_owned(), 1, 300)]);
    let actions = enqueue(&mut router, t(1), general("c2", Priority::Normal, t(1)));
    assert_eq!(positions(&actions), [("c2".to_owned(), 2, 600)]);

    // An urgent conversation jumps the line and pushes both back.
    let actions = enqueue(&mut router, t(2), general("c3", Priority::Urgent, t(2)));
    assert_eq!(positions(&actions), [("c3".to_owned(), 1, 300), ("c1".to_owned(), 2, 600), ("c2".to_owned(), 3, 900),]);
    assert!(positions(&router.tick(t(3))).is_empty(), "nothing changed");

    // Removing the head moves everyone up.
    let actions = router.remove(t(4), &"c3".into());
    assert_eq!(positions(&actions), [("c1".to_owned(), 1, 300), ("c2".to_owned(), 2, 600)]);
    assert_eq!(
        router.position(&"c2".into()),
        Some(QueuePosition { conversation: "c2".into(), queue: "general".into(), position: 2, estimated_wait_s: 600 })
    );
}

#[test]
fn estimates_follow_capacity_and_handling_rate() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let (offer, _, ann) = only_offer(&enqueue(&mut router, t(0), general("c1", Priority::Normal, t(0))));
    // c1 has an offer: it is being served, so it waits 0 s.
    assert_eq!(router.position(&"c1".into()).map(|p| p.estimated_wait_s), Some(0));
    let _ = router.accept(t(1), &ann, &offer).expect("open");
    assert_eq!(router.position(&"c1".into()), None, "assigned: no longer in line");

    let actions = enqueue(&mut router, t(2), general("c2", Priority::Normal, t(2)));
    assert_eq!(positions(&actions), [("c2".to_owned(), 1, 300)]);

    // c1 took 36 s, now the mean handling time; c2 is offered at once and so waits 0 s.
    let actions = router.release(t(37), &ann, &"c1".into()).expect("ann holds c1");
    assert_eq!(positions(&actions), [("c2".to_owned(), 1, 0)]);
    let _ = enqueue(&mut router, t(38), general("c3", Priority::Normal, t(38)));
    assert_eq!(
        router.position(&"c3".into()).map(|p| (p.position, p.estimated_wait_s)),
        Some((2, 40)),
        "one slot frees every 36 s, shown rounded up to 40 s"
    );

    // A second agent doubles the slots: c3 is now offered too.
    let actions = connect(&mut router, t(39), "bob", 1, &[]);
    assert_eq!(positions(&actions), [("c3".to_owned(), 2, 0)]);
}

#[test]
fn long_queues_report_the_head_at_once_and_the_rest_within_ten_seconds() {
    let mut router = router();
    for n in 0..150 {
        let actions = enqueue(&mut router, t(0), general(&format!("c{n:03}"), Priority::Normal, t(n)));
        // A newcomer is told its own position at once, even far back.
        assert_eq!(
            positions(&actions).last().map(|(id, position, _)| (id.clone(), *position)),
            Some((format!("c{n:03}"), n as u32 + 1))
        );
    }
    assert_eq!(router.next_deadline(), Some(t(10)), "positions beyond the head are pending");
    let _ = router.tick(t(10));
    assert_eq!(router.next_deadline(), None);

    // The head leaves: everyone moves up, the first 100 are told at once...
    let actions = router.remove(t(20), &"c000".into());
    let reported = positions(&actions);
    assert_eq!(reported.len(), 100);
    assert_eq!(reported[0].0, "c001");
    assert_eq!(reported[99], ("c100".to_owned(), 100, 30_000));
    assert_eq!(router.position(&"c120".into()).map(|p| p.position), Some(121), "not yet");
    // ...and the rest at the refresh.
    assert_eq!(router.next_deadline(), Some(t(30)));
    let reported = positions(&router.tick(t(30)));
    assert_eq!(reported.len(), 49);
    assert_eq!(router.position(&"c120".into()).map(|p| p.position), Some(120));
}
