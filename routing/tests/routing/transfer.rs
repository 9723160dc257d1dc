//! Transfers to an agent (direct assignment) and to a queue (requeue).

use switchboard_routing::{
    Action, AgentProfile, Priority, QueueEntry, RevokeReason, RoutingError, Status, UnassignReason,
};

use crate::support::{connect, decisions, enqueue, general, offers, only_offer, router, t};

#[test]
fn transfer_moves_an_assigned_conversation() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let (offer, _, ann) = only_offer(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    let _ = router.accept(t(2), &ann, &offer).expect("open offer");
    let _ = router.agent_connected(t(3), AgentProfile::new("bob", 1), Status::Away);

    let actions = router.transfer_to_agent(t(4), &"c1".into(), &"bob".into()).expect("bob is online with room");
    assert_eq!(
        decisions(actions),
        [
            Action::Unassigned { conversation: "c1".into(), agent: ann.clone(), reason: UnassignReason::Transferred },
            Action::Assigned { conversation: "c1".into(), agent: "bob".into() },
        ]
    );
    assert_eq!(router.agent(&ann).map(|a| a.load()), Some(0));
    // Transferring to the holder again is a no-op.
    assert_eq!(router.transfer_to_agent(t(5), &"c1".into(), &"bob".into()), Ok(Vec::new()));
}

#[test]
fn transfer_of_an_offered_conversation_revokes_the_offer_as_taken() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let _ = router.agent_connected(t(0), AgentProfile::new("bob", 1), Status::Away);
    let (offer, _, ann) = only_offer(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    let actions = router.transfer_to_agent(t(2), &"c1".into(), &"bob".into()).expect("bob has room");
    assert_eq!(
        decisions(actions),
        [
            Action::RevokeOffer {
                offer_id: offer.clone(),
                agent: ann.clone(),
                conversation: "c1".into(),
                reason: RevokeReason::Taken,
            },
            Action::Assigned { conversation: "c1".into(), agent: "bob".into() },
        ]
    );
    assert_eq!(
        router.accept(t(3), &ann, &offer),
        Err(RoutingError::OfferRevoked { offer, reason: RevokeReason::Taken })
    );
}

#[test]
fn transfer_refusals() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let _ = connect(&mut router, t(0), "gone", 1, &[]);
    let _ = router.agent_disconnected(t(0), &"gone".into());
    let (offer, _, ann) = only_offer(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    let _ = router.accept(t(2), &ann, &offer).expect("open offer");
    let _ = enqueue(&mut router, t(3), general("c2", Priority::Normal, t(3)));

    assert_eq!(
        router.transfer_to_agent(t(4), &"c2".into(), &"nobody".into()),
        Err(RoutingError::UnknownAgent("nobody".into()))
    );
    assert_eq!(
        router.transfer_to_agent(t(4), &"c2".into(), &"gone".into()),
        Err(RoutingError::AgentOffline("gone".into()))
    );
    assert_eq!(router.transfer_to_agent(t(4), &"c2".into(), &ann), Err(RoutingError::AgentAtCapacity(ann)));
    let _ = router.agent_connected(t(5), AgentProfile::new("bob", 2), Status::Away);
    assert_eq!(
        router.transfer_to_agent(t(6), &"c9".into(), &"bob".into()),
        Err(RoutingError::UnknownConversation("c9".into()))
    );
}

#[test]
fn transfer_withdraws_the_newest_offer_to_make_room() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 2, &[]);
    let _ = router.agent_connected(t(0), AgentProfile::new("bob", 1), Status::Away);
    let _ = enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1)));
    let _ = enqueue(&mut router, t(2), general("c2", Priority::Normal, t(2)));
    let actions = enqueue(&mut router, t(3), general("c3", Priority::Urgent, t(3)));
    assert!(offers(&actions).is_empty(), "ann is full with two offers");
    let actions = router.set_status(t(4), &"bob".into(), Status::Available).expect("online");
    let (offer, conversation, _) = only_offer(&actions);
    assert_eq!(conversation.as_str(), "c3");
    let _ = router.accept(t(5), &"bob".into(), &offer).expect("open");

    let actions =
        decisions(router.transfer_to_agent(t(6), &"c3".into(), &"ann".into()).expect("ann has nothing assigned"));
    let withdrawn: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            Action::RevokeOffer { conversation, reason: RevokeReason::Withdrawn, .. } => Some(conversation.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(withdrawn, ["c2"]);
    let ann = router.agent(&"ann".into()).expect("online");
    assert_eq!((ann.assigned.len(), ann.offers.len()), (1, 1));
    // bob is free again and receives the withdrawn conversation.
    let (_, conversation, agent) = only_offer(&actions);
    assert_eq!((conversation.as_str(), agent.as_str()), ("c2", "bob"));
}

#[test]
fn transfer_to_a_queue_requeues_and_skips_the_previous_agent() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 2, &["zh"]);
    let (offer, _, ann) = only_offer(&enqueue(&mut router, t(1), general("c1", Priority::High, t(1))));
    let _ = router.accept(t(2), &ann, &offer).expect("open offer");

    let actions = enqueue(&mut router, t(3), QueueEntry::new("c1", "chinese", Priority::High, t(1)));
    assert_eq!(
        decisions(actions.clone()),
        [
            Action::Unassigned { conversation: "c1".into(), agent: ann.clone(), reason: UnassignReason::Requeued },
            Action::Requeued { conversation: "c1".into(), queue: "chinese".into() },
        ]
    );
    assert!(offers(&actions).is_empty(), "ann handed it back");
    let actions = connect(&mut router, t(4), "li", 1, &["zh"]);
    assert_eq!(only_offer(&actions).2.as_str(), "li");
}

#[test]
fn re_triage_keeps_a_fitting_offer_and_withdraws_an_unfitting_one() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 2, &["en"]);
    let (offer, _, _) = only_offer(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    let actions =
        enqueue(&mut router, t(2), QueueEntry::new("c1", "general", Priority::Urgent, t(1)).with_skills(["en"]));
    assert!(decisions(actions).is_empty(), "the offer still fits");

    let actions =
        enqueue(&mut router, t(3), QueueEntry::new("c1", "general", Priority::Urgent, t(1)).with_skills(["zh"]));
    assert_eq!(
        decisions(actions),
        [Action::RevokeOffer {
            offer_id: offer,
            agent: "ann".into(),
            conversation: "c1".into(),
            reason: RevokeReason::Withdrawn,
        }]
    );
}

#[test]
fn removal_withdraws_offers_and_tells_the_holder() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 2, &[]);
    let _ = enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1)));
    let (offer2, _, _) = only_offer(&enqueue(&mut router, t(1), general("c2", Priority::Normal, t(1))));
    let held = router.agent(&"ann".into()).expect("online").offers;
    let c1_offer = held.into_iter().find(|o| *o != offer2).expect("two offers");
    let _ = router.accept(t(2), &"ann".into(), &c1_offer).expect("open");

    let actions = decisions(router.remove(t(3), &"c1".into()));
    assert_eq!(
        actions,
        [Action::Unassigned { conversation: "c1".into(), agent: "ann".into(), reason: UnassignReason::Closed }]
    );
    let actions = decisions(router.remove(t(4), &"c2".into()));
    assert_eq!(
        actions,
        [Action::RevokeOffer {
            offer_id: offer2,
            agent: "ann".into(),
            conversation: "c2".into(),
            reason: RevokeReason::Withdrawn,
        }]
    );
    assert!(router.remove(t(5), &"c2".into()).is_empty(), "repeats are harmless");
    assert_eq!(router.agent(&"ann".into()).map(|a| a.load()), Some(0));
}
