//! The customer's language: required until the queue's relax time, then anyone may take it.

use switchboard_routing::{DecisionKind, LanguageRule, Priority, QueueConfig, QueueEntry};

use crate::support::{connect, enqueue, explanations, offers, only_offer, router, router_with, t};

fn chinese_speaker(id: &str, since: i64) -> QueueEntry {
    QueueEntry::new(id, "general", Priority::Normal, t(since)).in_language("zh")
}

#[test]
fn a_speaker_of_the_language_gets_it_at_once() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "en", 1, &["en"]);
    let _ = connect(&mut router, t(0), "zh", 1, &["zh"]);
    assert_eq!(only_offer(&enqueue(&mut router, t(1), chinese_speaker("c1", 1))).2.as_str(), "zh");
}

#[test]
fn the_language_relaxes_at_exactly_its_wait() {
    let mut router = router();
    let _ = connect(&mut router, t(0), "en", 1, &["en"]);
    let actions = enqueue(&mut router, t(0), chinese_speaker("c1", 0));
    assert!(offers(&actions).is_empty(), "the default rule requires zh for 60 s");
    assert_eq!(router.waiting(&"general".into())[0].needs.get("zh"), Some(&1));
    assert_eq!(router.next_deadline(), Some(t(60)));
    assert!(offers(&router.tick(t(59))).is_empty());

    let actions = router.tick(t(60));
    let kinds: Vec<_> = explanations(&actions).into_iter().map(|d| d.kind).collect();
    assert_eq!(kinds, [DecisionKind::Relaxed, DecisionKind::Offered]);
    let (_, conversation, agent) = only_offer(&actions);
    assert_eq!((conversation.as_str(), agent.as_str()), ("c1", "en"));
    assert!(router.waiting(&"general".into())[0].needs.is_empty());
}

#[test]
fn a_late_tick_relaxes_as_of_the_instant_it_was_due() {
    let mut router = router();
    let _ = enqueue(&mut router, t(0), chinese_speaker("c1", 0));
    // An English speaker connects after the relax instant, before the driver ticked.
    let actions = connect(&mut router, t(90), "en", 1, &["en"]);
    let relaxed = explanations(&actions).into_iter().find(|d| d.kind == DecisionKind::Relaxed).expect("relaxed");
    assert!(relaxed.text.contains("has waited 60 s"), "{}", relaxed.text);
    assert_eq!(only_offer(&actions).2.as_str(), "en");
}

#[test]
fn a_rule_without_relax_time_never_relaxes_and_ignore_ignores() {
    let never = QueueConfig { language: LanguageRule::Required { relax_after: None }, ..QueueConfig::new("general") };
    let mut router = router_with(vec![never]);
    let _ = connect(&mut router, t(0), "en", 1, &["en"]);
    assert!(offers(&enqueue(&mut router, t(0), chinese_speaker("c1", 0))).is_empty());
    assert_eq!(router.next_deadline(), None);
    assert!(offers(&router.tick(t(10_000))).is_empty());

    let ignore = QueueConfig { language: LanguageRule::Ignore, ..QueueConfig::new("general") };
    let mut router = router_with(vec![ignore]);
    let _ = connect(&mut router, t(0), "en", 1, &["en"]);
    assert_eq!(only_offer(&enqueue(&mut router, t(0), chinese_speaker("c1", 0))).2.as_str(), "en");
}
