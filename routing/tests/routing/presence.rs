//! Agents coming and going: work offered the moment an agent is free, away and disconnect
//! withdrawing offers, and the grace period.

use switchboard_routing::{Action, AgentProfile, Presence, Priority, RevokeReason, Status, UnassignReason};

use crate::support::{connect, decisions, enqueue, general, offers, only_offer, router, t};

/// ann (capacity 1) holds `c1`; `c2` waits.
fn ann_busy_with_c1() -> switchboard_routing::Router {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let (offer, _, ann) = only_offer(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    let _ = router.accept(t(2), &ann, &offer).expect("open offer");
    let actions = enqueue(&mut router, t(3), general("c2", Priority::Normal, t(3)));
    assert!(offers(&actions).is_empty());
    router
}

#[test]
fn resolving_offers_waiting_work_at_once() {
    let mut router = ann_busy_with_c1();
    let actions = router.release(t(10), &"ann".into(), &"c1".into()).expect("ann holds c1");
    let (_, conversation, agent) = only_offer(&actions);
    assert_eq!((conversation.as_str(), agent.as_str()), ("c2", "ann"));
}

#[test]
fn becoming_available_offers_waiting_work_at_once() {
    let mut router = router();
    let _ = enqueue(&mut router, t(0), general("c1", Priority::Normal, t(0)));
    let actions = connect(&mut router, t(5), "ann", 1, &[]);
    assert_eq!(only_offer(&actions).1.as_str(), "c1");
}

#[test]
fn going_away_withdraws_offers_to_others() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let (offer, _, ann) = only_offer(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    let _ = router.agent_connected(t(2), AgentProfile::new("bob", 1), Status::Away);
    let actions = decisions(router.set_status(t(3), &ann, Status::Away).expect("online"));
    assert_eq!(
        actions,
        [Action::RevokeOffer {
            offer_id: offer,
            agent: ann.clone(),
            conversation: "c1".into(),
            reason: RevokeReason::Withdrawn,
        }]
    );
    // bob comes back and gets it; ann never declined, so she is not skipped.
    let actions = router.set_status(t(4), &"bob".into(), Status::Available);
    assert_eq!(only_offer(&actions.expect("online")).2.as_str(), "bob");
    let line = router.waiting(&"general".into());
    assert_eq!(line[0].offer.as_ref().map(|(_, to)| to.as_str()), Some("bob"));
}

#[test]
fn disconnect_withdraws_offers_and_keeps_assignments_through_grace() {
    let mut router = ann_busy_with_c1();
    let _ = router.release(t(4), &"ann".into(), &"c1".into());
    // ann now holds an offer for c2; give her a second slot and c1 back to hold.
    let _ = connect(&mut router, t(5), "ann", 2, &[]);
    let pending = router.agent(&"ann".into()).expect("online").offers;
    assert_eq!(pending.len(), 1);
    let _ = router.accept(t(6), &"ann".into(), &pending[0]).expect("open offer");

    let _ = enqueue(&mut router, t(7), general("c3", Priority::Normal, t(7)));
    let c3_offer = router.agent(&"ann".into()).expect("online").offers;
    let actions = decisions(router.agent_disconnected(t(8), &"ann".into()));
    assert_eq!(
        actions,
        [Action::RevokeOffer {
            offer_id: c3_offer[0].clone(),
            agent: "ann".into(),
            conversation: "c3".into(),
            reason: RevokeReason::Withdrawn,
        }]
    );
    assert_eq!(router.agent(&"ann".into()).map(|a| a.presence), Some(Presence::Disconnected { until: t(68) }));

    // Back within the grace: c2 stays hers, nothing is requeued, the deadline is gone.
    let actions = connect(&mut router, t(60), "ann", 2, &[]);
    assert!(!actions.iter().any(|a| matches!(a, Action::Unassigned { .. } | Action::Requeued { .. })));
    assert_eq!(router.assignee(&"c2".into()).map(|a| a.as_str()), Some("ann"));
    // ann is available again with room: c3 is hers to take.
    assert_eq!(only_offer(&actions).1.as_str(), "c3");
    let nothing_after_grace = decisions(router.tick(t(69)));
    assert!(nothing_after_grace.is_empty());
}

#[test]
fn grace_expiry_requeues_ahead_of_newer_conversations() {
    let mut router = ann_busy_with_c1();
    let _ = router.agent_disconnected(t(10), &"ann".into());
    let _ = enqueue(&mut router, t(20), general("c4", Priority::Normal, t(20)));
    assert_eq!(router.next_deadline(), Some(t(70)));

    let actions = router.tick(t(70));
    assert_eq!(
        decisions(actions.clone()),
        [
            Action::Unassigned { conversation: "c1".into(), agent: "ann".into(), reason: UnassignReason::AgentOffline },
            Action::Requeued { conversation: "c1".into(), queue: "general".into() },
        ]
    );
    assert!(router.agent(&"ann".into()).is_none(), "ann is offline");

    // c1 keeps waiting_since t(1): first in line, before c2 (t(3)) and c4 (t(20)).
    let line: Vec<_> = router
        .waiting(&"general".into())
        .into_iter()
        .map(|w| (w.entry.conversation.to_string(), w.entry.waiting_since))
        .collect();
    assert_eq!(line, [("c1".to_owned(), t(1)), ("c2".to_owned(), t(3)), ("c4".to_owned(), t(20)),]);
    let Some(Action::QueuePositions(positions)) = actions.last() else {
        panic!("the requeue changes positions: {actions:#?}");
    };
    assert_eq!(positions[0].conversation.as_str(), "c1");
    assert_eq!(positions[0].position, 1);

    // A late reconnect starts afresh and is offered the head of the line.
    let actions = connect(&mut router, t(80), "ann", 1, &[]);
    assert_eq!(only_offer(&actions).1.as_str(), "c1");
}

#[test]
fn reconnect_after_the_deadline_but_before_tick_still_requeues() {
    let mut router = ann_busy_with_c1();
    let _ = router.agent_disconnected(t(10), &"ann".into());
    let actions = connect(&mut router, t(75), "ann", 1, &[]);
    assert!(actions.contains(&Action::Requeued { conversation: "c1".into(), queue: "general".into() }));
    // The requeued conversation is first in line and ann is free again.
    assert_eq!(only_offer(&actions).1.as_str(), "c1");
}
