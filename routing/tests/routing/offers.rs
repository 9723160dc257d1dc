//! Offer life cycle: timeout, decline, re-offer after back-off, and late or foreign answers.

use switchboard_routing::{Action, Priority, QueueEntry, RevokeReason, RoutingError};

use crate::support::{connect, decisions, enqueue, general, offers, only_offer, router, t};

#[test]
fn timeout_revokes_and_offers_the_next_agent() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let _ = connect(&mut router, t(1), "bob", 1, &[]);
    let (first, conversation, ann) = only_offer(&enqueue(&mut router, t(2), general("c1", Priority::Normal, t(2))));
    assert_eq!(ann.as_str(), "ann");

    // Nothing happens before the deadline.
    assert!(decisions(router.tick(t(31))).is_empty());

    let actions = decisions(router.tick(t(32)));
    assert_eq!(
        actions[0],
        Action::RevokeOffer {
            offer_id: first,
            agent: ann.clone(),
            conversation: conversation.clone(),
            reason: RevokeReason::Timeout,
        }
    );
    let (_, again, bob) = only_offer(&actions);
    assert_eq!((again, bob.as_str()), (conversation, "bob"));
}

#[test]
fn decline_offers_the_next_agent_at_once() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let _ = connect(&mut router, t(1), "bob", 1, &[]);
    let (offer, _, ann) = only_offer(&enqueue(&mut router, t(2), general("c1", Priority::Normal, t(2))));
    let actions = router.decline(t(3), &ann, &offer).expect("open offer");
    assert_eq!(only_offer(&actions).2.as_str(), "bob");

    // bob declines too: ann was skipped only recently, so the conversation waits...
    let (offer, _, bob) = only_offer(&actions);
    let actions = router.decline(t(4), &bob, &offer).expect("open offer");
    assert!(offers(&actions).is_empty());
    let waiting = &router.waiting(&"general".into())[0];
    assert_eq!(waiting.skipped.get(&ann), Some(&t(123)));
    assert_eq!(waiting.skipped.get(&bob), Some(&t(124)));
    // ...and the driver is woken when ann may be asked again.
    assert_eq!(router.next_deadline(), Some(t(123)));
    let (_, _, again) = only_offer(&router.tick(t(123)));
    assert_eq!(again, ann);
}

#[test]
fn a_new_agent_is_preferred_over_one_who_declined() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let (offer, _, ann) = only_offer(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    let actions = router.decline(t(2), &ann, &offer).expect("open offer");
    assert!(offers(&actions).is_empty(), "ann is not asked again at once");

    // After the back-off ann would qualify again, but bob never declined.
    let _ = router.tick(t(200));
    let _ = router.set_status(t(200), &ann, switchboard_routing::Status::Away);
    let actions = connect(&mut router, t(201), "bob", 1, &[]);
    assert_eq!(only_offer(&actions).2.as_str(), "bob");
}

#[test]
fn accept_after_timeout_is_refused_with_or_without_tick() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let (offer, _, ann) = only_offer(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    // The deadline passed but the driver has not ticked yet.
    assert_eq!(router.accept(t(31), &ann, &offer), Err(RoutingError::OfferExpired(offer.clone())));
    let _ = router.tick(t(31));
    assert_eq!(router.accept(t(32), &ann, &offer), Err(RoutingError::OfferExpired(offer.clone())));
    assert_eq!(router.assignee(&"c1".into()), None);
}

#[test]
fn answers_to_revoked_foreign_or_unknown_offers_are_refused() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let _ = connect(&mut router, t(0), "bob", 1, &[]);
    let (offer, _, to) = only_offer(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    let other = if to.as_str() == "ann" { "bob" } else { "ann" };
    assert_eq!(router.accept(t(2), &other.into(), &offer), Err(RoutingError::OfferNotFound(offer.clone())));
    assert_eq!(router.decline(t(2), &to, &"offer-0-99".into()), Err(RoutingError::OfferNotFound("offer-0-99".into())));

    let _ = router.remove(t(3), &"c1".into());
    assert_eq!(
        router.accept(t(4), &to, &offer),
        Err(RoutingError::OfferRevoked { offer, reason: RevokeReason::Withdrawn })
    );
}

#[test]
fn repeated_answers_are_idempotent_and_contradictions_refused() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 2, &[]);
    let first = offers(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    let second = offers(&enqueue(&mut router, t(1), general("c2", Priority::Normal, t(1))));
    let (accepted, _, ann) = first[0].clone();
    let (declined, _, _) = second[0].clone();

    let actions = router.accept(t(2), &ann, &accepted).expect("open offer");
    assert!(actions.contains(&Action::Assigned { conversation: "c1".into(), agent: ann.clone() }));
    assert_eq!(router.accept(t(3), &ann, &accepted), Ok(Vec::new()));
    assert_eq!(router.decline(t(3), &ann, &accepted), Err(RoutingError::OfferAnswered(accepted.clone())));

    let _ = router.decline(t(4), &ann, &declined).expect("open offer");
    assert_eq!(router.decline(t(5), &ann, &declined), Ok(Vec::new()));
    assert_eq!(router.accept(t(5), &ann, &declined), Err(RoutingError::OfferAnswered(declined)));
}

#[test]
fn errors_change_nothing() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let (offer, _, ann) = only_offer(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    let before = format!("{router:?}");
    assert!(router.accept(t(40), &ann, &offer).is_err());
    let unknown_queue = QueueEntry::new("c2", "nope", Priority::Normal, t(40));
    assert_eq!(router.enqueue(t(40), unknown_queue), Err(RoutingError::UnknownQueue("nope".into())));
    assert!(router.release(t(40), &ann, &"c1".into()).is_err());
    assert_eq!(format!("{router:?}"), before);
}
