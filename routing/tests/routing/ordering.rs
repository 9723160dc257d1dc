//! Who gets offered what: line order, skills, capacity and fairness.

use switchboard_routing::{Action, Priority, QueueEntry};

use crate::support::{connect, enqueue, general, offers, only_offer, router, t};

#[test]
fn most_urgent_first_then_longest_waiting() {
    let mut router = router();
    let _ = enqueue(&mut router, t(0), general("normal-old", Priority::Normal, t(0)));
    let _ = enqueue(&mut router, t(1), general("low", Priority::Low, t(1)));
    let _ = enqueue(&mut router, t(2), general("normal-new", Priority::Normal, t(2)));
    let _ = enqueue(&mut router, t(3), general("urgent", Priority::Urgent, t(3)));
    let _ = enqueue(&mut router, t(4), general("high", Priority::High, t(4)));

    let actions = connect(&mut router, t(5), "ann", 5, &[]);
    let order: Vec<String> =
        offers(&actions).into_iter().map(|(_, conversation, _)| conversation.to_string()).collect();
    assert_eq!(order, ["urgent", "high", "normal-old", "normal-new", "low"]);
}

#[test]
fn first_in_line_goes_first_when_capacity_is_short() {
    let mut router = router();
    let _ = enqueue(&mut router, t(0), general("late", Priority::Normal, t(9)));
    let _ = enqueue(&mut router, t(1), general("early", Priority::Normal, t(1)));
    let (_, conversation, _) = only_offer(&connect(&mut router, t(10), "ann", 1, &[]));
    assert_eq!(conversation.as_str(), "early");
}

#[test]
fn needs_the_skills_of_queue_and_conversation() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "en-only", 3, &["en"]);
    let _ = connect(&mut router, t(0), "zh-refund", 3, &["zh"]);

    let actions =
        enqueue(&mut router, t(1), QueueEntry::new("c-zh", "general", Priority::Normal, t(1)).with_skills(["zh"]));
    assert_eq!(only_offer(&actions).2.as_str(), "zh-refund");

    let actions = enqueue(&mut router, t(2), QueueEntry::new("c-chinese", "chinese", Priority::Normal, t(2)));
    assert_eq!(only_offer(&actions).2.as_str(), "zh-refund");

    // Nobody has `refund`: the conversation waits rather than going to the wrong agent.
    let actions = enqueue(&mut router, t(3), QueueEntry::new("c-refund", "refunds", Priority::Urgent, t(3)));
    assert!(offers(&actions).is_empty());
    assert!(router.waiting(&"refunds".into())[0].offer.is_none());
}

#[test]
fn never_past_capacity_and_offers_count_toward_it() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 2, &[]);
    let mut offered = Vec::new();
    for n in 0..4 {
        let actions = enqueue(&mut router, t(n), general(&format!("c{n}"), Priority::Normal, t(n)));
        offered.extend(offers(&actions));
    }
    // Two offers outstanding fill the agent although nothing is assigned yet.
    assert_eq!(offered.len(), 2);
    let ann = router.agent(&"ann".into()).expect("ann is online");
    assert_eq!((ann.assigned.len(), ann.offers.len()), (0, 2));

    // Accepting keeps the load at capacity: no new offer.
    let actions = router.accept(t(5), &"ann".into(), &offered[0].0).expect("open offer");
    assert!(offers(&actions).is_empty());
    assert_eq!(router.agent(&"ann".into()).map(|a| a.load()), Some(2));
}

#[test]
fn least_loaded_agent_first() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 3, &[]);
    let (offer, _, agent) = only_offer(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    assert_eq!(agent.as_str(), "ann");
    let _ = router.accept(t(2), &agent, &offer).expect("open offer");

    let _ = connect(&mut router, t(3), "bob", 3, &[]);
    let actions = enqueue(&mut router, t(4), general("c2", Priority::Normal, t(4)));
    assert_eq!(only_offer(&actions).2.as_str(), "bob");
}

#[test]
fn equal_spare_capacity_goes_to_the_agent_offered_longest_ago() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 3, &[]);
    let _ = connect(&mut router, t(0), "bob", 3, &[]);

    // Both get one conversation: ann's offer is the earlier one, her assignment the later one.
    let first = offers(&enqueue(&mut router, t(1), general("c1", Priority::Normal, t(1))));
    let second = offers(&enqueue(&mut router, t(2), general("c2", Priority::Normal, t(2))));
    let by_agent = |agent: &str| {
        first.iter().chain(&second).find(|(_, _, to)| to.as_str() == agent).cloned().expect("each agent got one offer")
    };
    let (bob_offer, _, _) = by_agent("bob");
    let (ann_offer, _, _) = by_agent("ann");
    let _ = router.accept(t(3), &"bob".into(), &bob_offer).expect("open");
    let _ = router.accept(t(4), &"ann".into(), &ann_offer).expect("open");

    // The last offer counts, not the last assignment.
    let actions = enqueue(&mut router, t(5), general("c3", Priority::Normal, t(5)));
    assert_eq!(only_offer(&actions).2.as_str(), "ann");
}

#[test]
fn away_agents_get_nothing_and_offers_carry_the_deadline() {
    let mut router = router();
    let _ = router.agent_connected(
        t(0),
        switchboard_routing::AgentProfile::new("ann", 2),
        switchboard_routing::Status::Away,
    );
    let actions = enqueue(&mut router, t(1), general("c1", Priority::Urgent, t(1)));
    assert!(offers(&actions).is_empty());

    let actions =
        router.set_status(t(2), &"ann".into(), switchboard_routing::Status::Available).expect("ann is online");
    let offer = actions
        .iter()
        .find_map(|action| match action {
            Action::Offer { expires_at, .. } => Some(*expires_at),
            _ => None,
        })
        .expect("the waiting conversation is offered at once");
    assert_eq!(offer, t(32));
    assert_eq!(router.next_deadline(), Some(t(32)));
}

#[test]
fn an_agent_freed_in_the_same_event_as_a_newcomer_takes_the_head_of_the_line() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let _ = only_offer(&enqueue(&mut router, t(0), general("c1", Priority::Normal, t(0))));
    let _ = enqueue(&mut router, t(1), general("urgent", Priority::Urgent, t(1)));
    // c1's offer lapsed at t(30), unnoticed until this enqueue: ann is free again, and the urgent
    // conversation waiting since t(1) goes before the newcomer.
    let actions = enqueue(&mut router, t(40), general("newcomer", Priority::Low, t(40)));
    let (_, conversation, agent) = only_offer(&actions);
    assert_eq!((conversation.as_str(), agent.as_str()), ("urgent", "ann"));
}
