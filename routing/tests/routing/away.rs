//! Agents set away after missed offers, and conversations given back when an agent goes away.

use switchboard_routing::{
    Action, AgentProfile, AwayPolicy, Presence, Priority, QueueConfig, QueueEntry, RevokeReason, Router, RoutingConfig,
    Status, StatusReason, UnassignReason,
};

use crate::support::{accept, config, connect, decisions, enqueue, general, offers, only_offer, t};

fn missing_after(offers: u32) -> Router {
    let config = RoutingConfig { offers_missed_before_away: offers, ..config() };
    Router::new(config, t(0)).expect("valid")
}

#[test]
fn letting_offers_lapse_in_a_row_sets_the_agent_away() {
    let mut router = missing_after(2);
    let _ = connect(&mut router, t(0), "ann", 3, &[]);
    let _ = enqueue(&mut router, t(0), general("c1", Priority::Normal, t(0)));
    let _ = router.tick(t(30));
    assert_eq!(router.agent(&"ann".into()).map(|a| a.missed_in_a_row), Some(1));
    let _ = enqueue(&mut router, t(31), general("c2", Priority::Normal, t(31)));
    let (other, _, _) = only_offer(&enqueue(&mut router, t(40), general("c3", Priority::Normal, t(40))));

    let actions = decisions(router.tick(t(61)));
    let Action::RevokeOffer { conversation, reason: RevokeReason::Timeout, .. } = &actions[0] else {
        panic!("the lapse comes first: {actions:#?}");
    };
    assert_eq!(conversation.as_str(), "c2");
    assert_eq!(
        actions[1],
        Action::StatusChanged { agent: "ann".into(), status: Status::Away, reason: StatusReason::MissedOffers(2) }
    );
    assert_eq!(
        actions[2],
        Action::RevokeOffer {
            offer_id: other,
            agent: "ann".into(),
            conversation: "c3".into(),
            reason: RevokeReason::Withdrawn,
        }
    );
    assert_eq!(router.agent(&"ann".into()).map(|a| a.presence), Some(Presence::Away));
}

#[test]
fn a_decline_or_accept_resets_the_count() {
    let mut router = missing_after(2);
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let _ = enqueue(&mut router, t(0), general("c1", Priority::Normal, t(0)));
    let _ = router.tick(t(30));
    let (offer, _, ann) = only_offer(&enqueue(&mut router, t(31), general("c2", Priority::Normal, t(31))));
    let _ = router.decline(t(32), &ann, &offer).expect("open offer");
    assert_eq!(router.agent(&ann).map(|a| a.missed_in_a_row), Some(0));
    let _ = enqueue(&mut router, t(33), general("c3", Priority::Normal, t(33)));
    let actions = router.tick(t(63));
    assert!(!actions.iter().any(|a| matches!(a, Action::StatusChanged { .. })), "{actions:#?}");
    assert_eq!(router.agent(&ann).map(|a| a.presence), Some(Presence::Available));
}

fn giving_back() -> Router {
    let queues =
        vec![QueueConfig { away: AwayPolicy::GiveBack, ..QueueConfig::new("general") }, QueueConfig::new("keep")];
    Router::new(RoutingConfig { queues, ..config() }, t(0)).expect("valid")
}

#[test]
fn going_away_gives_back_conversations_of_give_back_queues_only() {
    let mut router = giving_back();
    let _ = connect(&mut router, t(0), "ann", 2, &[]);
    let first = only_offer(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    let second = only_offer(&enqueue(&mut router, t(2), QueueEntry::new("k1", "keep", Priority::Normal, t(2))));
    let _ = accept(&mut router, t(3), &first);
    let _ = accept(&mut router, t(3), &second);
    let _ = router.agent_connected(t(4), AgentProfile::new("bob", 1), Status::Away);

    let actions = router.set_status(t(10), &"ann".into(), Status::Away).expect("online");
    assert_eq!(
        decisions(actions),
        [
            Action::Unassigned { conversation: "c1".into(), agent: "ann".into(), reason: UnassignReason::AgentAway },
            Action::Requeued { conversation: "c1".into(), queue: "general".into() },
        ]
    );
    assert_eq!(router.assignee(&"k1".into()).map(|a| a.as_str()), Some("ann"));
    assert_eq!(router.waiting(&"general".into())[0].entry.waiting_since, t(1));
    let actions = router.set_status(t(11), &"bob".into(), Status::Available).expect("online");
    assert_eq!(only_offer(&actions).1.as_str(), "c1");
}

#[test]
fn missed_offers_give_back_too() {
    let queues = vec![QueueConfig { away: AwayPolicy::GiveBack, ..QueueConfig::new("general") }];
    let config = RoutingConfig { queues, offers_missed_before_away: 1, ..config() };
    let mut router = Router::new(config, t(0)).expect("valid");
    let _ = connect(&mut router, t(0), "ann", 2, &[]);
    let held = only_offer(&enqueue(&mut router, t(0), general("c1", Priority::Normal, t(0))));
    let _ = accept(&mut router, t(1), &held);
    let _ = enqueue(&mut router, t(2), general("c2", Priority::Normal, t(2)));
    let actions = decisions(router.tick(t(32)));
    assert!(actions.contains(&Action::Unassigned {
        conversation: "c1".into(),
        agent: "ann".into(),
        reason: UnassignReason::AgentAway,
    }));
    assert!(offers(&actions).is_empty(), "nobody is available");
    assert_eq!(router.waiting(&"general".into()).len(), 2);
}

#[test]
fn reconnecting_as_away_gives_back_too() {
    let mut router = giving_back();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let held = only_offer(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    let _ = accept(&mut router, t(2), &held);
    let _ = router.agent_disconnected(t(3), &"ann".into());
    let actions = router.agent_connected(t(10), AgentProfile::new("ann", 1), Status::Away);
    assert!(decisions(actions).contains(&Action::Requeued { conversation: "c1".into(), queue: "general".into() }));
}
