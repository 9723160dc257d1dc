//! Skill levels, and preferred skills relaxing one by one.

use std::time::Duration;

use switchboard_routing::{AgentProfile, DecisionKind, PreferredSkill, Priority, QueueConfig, QueueEntry, parse_skill};

use crate::support::{accept, connect, connect_profile, enqueue, explanations, offers, only_offer, router_with, t};

#[test]
fn a_higher_level_meets_a_lower_requirement() {
    let mut router =
        router_with(vec![QueueConfig::new("general"), QueueConfig::new("refunds").with_skills(["refund:2"])]);
    let _ = connect_profile(&mut router, t(0), AgentProfile::new("novice", 3).with_skills(["refund"]));
    let _ = connect_profile(&mut router, t(0), AgentProfile::new("expert", 3).with_skills(["refund:3"]));
    let actions = enqueue(&mut router, t(1), QueueEntry::new("c1", "refunds", Priority::Normal, t(1)));
    assert_eq!(only_offer(&actions).2.as_str(), "expert");
    // An entry's own requirement adds to the queue's; the higher level binds.
    let actions = enqueue(
        &mut router,
        t(2),
        QueueEntry::new("c2", "general", Priority::Normal, t(2)).with_skills(["refund:1", "refund:3"]),
    );
    assert_eq!(only_offer(&actions).2.as_str(), "expert");
}

#[test]
fn skill_spellings() {
    assert_eq!(parse_skill("Refund:2"), Ok(("refund".to_owned(), 2)));
    assert_eq!(parse_skill("zh"), Ok(("zh".to_owned(), 1)));
    assert!(parse_skill("zh:x").is_err());
}

fn preferring() -> QueueConfig {
    QueueConfig {
        preferred: vec![
            PreferredSkill { skill: "gold".into(), level: 1, relax_after: Duration::from_secs(30) },
            PreferredSkill { skill: "silver".into(), level: 2, relax_after: Duration::from_secs(60) },
        ],
        ..QueueConfig::new("general")
    }
}

#[test]
fn preferences_relax_one_by_one_each_at_its_instant() {
    let mut router = router_with(vec![preferring()]);
    let _ = connect(&mut router, t(0), "plain", 1, &[]);
    let _ = connect(&mut router, t(0), "silver", 1, &["silver:2"]);
    let _ = enqueue(&mut router, t(0), QueueEntry::new("c1", "general", Priority::Normal, t(0)));
    let actions = enqueue(&mut router, t(0), QueueEntry::new("c2", "general", Priority::Normal, t(0)));
    assert!(offers(&actions).is_empty(), "nobody has gold");
    assert_eq!(router.next_deadline(), Some(t(30)));
    assert!(offers(&router.tick(t(29))).is_empty());

    // Gold relaxes at 30 s: the silver agent qualifies now, not one tick later.
    let actions = router.tick(t(30));
    let relaxed: Vec<_> =
        explanations(&actions).into_iter().filter(|d| d.kind == DecisionKind::Relaxed).map(|d| d.text).collect();
    assert_eq!(relaxed.len(), 2, "{relaxed:?}");
    assert!(relaxed[0].contains("gold no longer needed"), "{}", relaxed[0]);
    let offer = only_offer(&actions);
    assert_eq!((offer.1.as_str(), offer.2.as_str()), ("c1", "silver"));
    let _ = accept(&mut router, t(31), &offer);

    // Silver relaxes at 60 s: anyone may take c2.
    assert_eq!(router.next_deadline(), Some(t(60)));
    let (_, conversation, agent) = only_offer(&router.tick(t(60)));
    assert_eq!((conversation.as_str(), agent.as_str()), ("c2", "plain"));
}

#[test]
fn required_skills_never_relax() {
    let mut router = router_with(vec![QueueConfig::new("general").with_skills(["refund"])]);
    let _ = connect(&mut router, t(0), "plain", 1, &[]);
    let actions = enqueue(&mut router, t(0), QueueEntry::new("c1", "general", Priority::Urgent, t(0)));
    assert!(offers(&actions).is_empty());
    assert_eq!(router.next_deadline(), None, "nothing will change by waiting");
    assert!(offers(&router.tick(t(100_000))).is_empty());
}
