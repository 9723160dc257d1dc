//! Explanations: every offer, move, breach, status change and requeue says why.

use std::collections::BTreeMap;
use std::time::Duration;

use switchboard_routing::{AgentProfile, DecisionKind, PreferredSkill, Priority, QueueConfig, QueueEntry, Status};

use crate::support::{connect, enqueue, explanations, offer_explanation, only_offer, router, router_with, t};

#[test]
fn an_offer_says_why_this_agent_and_why_not_the_others() {
    let mut router = router();
    // dan is full with c0 before the others arrive.
    let _ = connect(&mut router, t(0), "dan", 1, &["zh"]);
    let busy = enqueue(&mut router, t(0), QueueEntry::new("c0", "general", Priority::Normal, t(0)));
    assert_eq!(only_offer(&busy).2.as_str(), "dan");
    let _ = connect(&mut router, t(1), "ann", 1, &["zh"]);
    let _ = connect(&mut router, t(1), "bob", 2, &["en"]);
    let _ = connect(&mut router, t(1), "cy", 2, &["en"]);
    let _ = connect(&mut router, t(1), "fay", 2, &["zh"]);
    let _ = router.agent_connected(t(1), AgentProfile::new("eve", 2).with_skills(["zh"]), Status::Away);

    let actions =
        enqueue(&mut router, t(3), QueueEntry::new("c1", "general", Priority::Normal, t(3)).in_language("zh"));
    let offer = only_offer(&actions);
    let text = offer_explanation(&actions, "c1").text;
    assert_eq!(offer.2.as_str(), "fay", "{text}");
    assert_eq!(
        text,
        "c1 offered to fay: has zh; most spare chat capacity (2 free); not 5 others: 2 lack zh (bob, cy), 1 rank \
         after fay on spare chat capacity or time since their last offer (ann), 1 at chat capacity (dan), 1 away or \
         disconnected (eve)"
    );
}

#[test]
fn ties_name_the_tie_break_and_full_agents_are_counted() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "ann", 1, &[]);
    let _ = connect(&mut router, t(1), "bob", 1, &[]);
    let actions = enqueue(&mut router, t(2), QueueEntry::new("c1", "general", Priority::Normal, t(2)));
    let text = offer_explanation(&actions, "c1").text;
    assert!(text.contains("longest since last offer"), "{text}");
    let actions = enqueue(&mut router, t(3), QueueEntry::new("c2", "general", Priority::Normal, t(3)));
    let text = offer_explanation(&actions, "c2").text;
    assert!(text.contains("most spare chat capacity (1 free)"), "{text}");
    assert!(text.contains("1 at chat capacity (ann)"), "{text}");
}

#[test]
fn enqueueing_says_what_the_conversation_needs_and_when_it_is_due() {
    let queue = QueueConfig {
        preferred: vec![PreferredSkill { skill: "refund".into(), level: 2, relax_after: Duration::from_secs(30) }],
        first_response: BTreeMap::from([(Priority::Normal, Duration::from_secs(300))]),
        ..QueueConfig::new("general")
    };
    let mut router = router_with(vec![queue]);
    let actions =
        enqueue(&mut router, t(0), QueueEntry::new("c1", "general", Priority::Normal, t(0)).in_language("zh"));
    let enqueued = explanations(&actions).into_iter().find(|d| d.kind == DecisionKind::Enqueued).expect("explained");
    assert_eq!(enqueued.conversation.as_ref().map(|c| c.as_str()), Some("c1"));
    assert_eq!(
        enqueued.text,
        "c1 waits in general (normal priority, chat) for an agent with zh (relaxes after 60 s), refund:2 preferred \
         (relaxes after 30 s); due 08:05:00 UTC"
    );
}

#[test]
fn an_offer_names_the_relaxations_that_let_it_happen() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "bob", 1, &["en"]);
    let _ = enqueue(&mut router, t(0), QueueEntry::new("c1", "general", Priority::Normal, t(0)).in_language("zh"));
    let actions = router.tick(t(60));
    let text = offer_explanation(&actions, "c1").text;
    assert!(text.contains("zh no longer required (waited 60 s)"), "{text}");
}

#[test]
fn decision_kinds_have_wire_spellings() {
    let kinds = [
        DecisionKind::Enqueued,
        DecisionKind::Offered,
        DecisionKind::Relaxed,
        DecisionKind::Moved,
        DecisionKind::Breached,
        DecisionKind::Status,
        DecisionKind::Requeued,
    ];
    assert_eq!(
        kinds.map(DecisionKind::as_str),
        ["enqueued", "offered", "relaxed", "moved", "breached", "status", "requeued"]
    );
}
