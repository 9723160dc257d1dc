//! How long one routing decision takes with a busy contact centre: 1,000 connected agents (most
//! at capacity) and 10,000 waiting conversations across 4 queues. Each decision is one event (an
//! enqueue, accept, decline or release) including the offers, explanations and position reports
//! it produces. Run with `cargo bench -p switchboard-routing --bench decision`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};

use switchboard_routing::{
    Action, AgentId, AgentProfile, ConversationId, LanguageRule, Millis, OfferId, PreferredSkill, Priority,
    QueueConfig, QueueEntry, Router, RoutingConfig, Status,
};

const AGENTS: usize = 1_000;
const WAITING: usize = 10_000;
const DECISIONS: usize = 40_000;
const QUEUES: [&str; 4] = ["general", "chinese", "refunds", "english"];
const PRIORITIES: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];

/// Seeded, so every run measures the same sequence.
struct Rng(StdRng);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }
}

fn config() -> RoutingConfig {
    let targets = BTreeMap::from([
        (Priority::Urgent, Duration::from_secs(120)),
        (Priority::High, Duration::from_secs(600)),
        (Priority::Normal, Duration::from_secs(1_800)),
    ]);
    let queue = |name: &str, skills: &[&str]| QueueConfig {
        first_response: targets.clone(),
        near_breach: Duration::from_secs(60),
        language: LanguageRule::Required { relax_after: Some(Duration::from_secs(60)) },
        ..QueueConfig::new(name).with_skills(skills.iter().copied())
    };
    let mut refunds = queue("refunds", &["refund"]);
    refunds.preferred = vec![PreferredSkill { skill: "refund".into(), level: 2, relax_after: Duration::from_secs(30) }];
    RoutingConfig {
        queues: vec![queue("general", &[]), queue("chinese", &["zh"]), refunds, queue("english", &["en"])],
        ..RoutingConfig::default()
    }
}

struct Bench {
    router: Router,
    rng: Rng,
    now: Millis,
    next_id: usize,
    offers: Vec<(OfferId, AgentId)>,
    assigned: Vec<(ConversationId, AgentId)>,
    /// Conversations in line, as last counted.
    waiting: usize,
}

impl Bench {
    fn entry(&mut self) -> QueueEntry {
        self.next_id += 1;
        let since = Millis(self.now.0 - self.rng.below(600_000) as i64);
        let mut entry = QueueEntry::new(
            format!("c{}", self.next_id),
            QUEUES[self.rng.below(QUEUES.len())],
            PRIORITIES[self.rng.below(PRIORITIES.len())],
            since,
        )
        .in_language(["zh", "en"][self.rng.below(2)]);
        if self.rng.below(3) == 0 {
            entry = entry.on_channel("email");
        }
        entry
    }

    /// Keeps track of the offers and assignments a decision produced.
    fn absorb(&mut self, actions: &[Action]) {
        for action in actions {
            match action {
                Action::Offer { offer_id, agent, .. } => self.offers.push((offer_id.clone(), agent.clone())),
                Action::Assigned { conversation, agent } => self.assigned.push((conversation.clone(), agent.clone())),
                _ => {}
            }
        }
    }

    fn take_offer(&mut self) -> Option<(OfferId, AgentId)> {
        while !self.offers.is_empty() {
            let open = self.offers.swap_remove(self.rng.below(self.offers.len()));
            if self.router.agent(&open.1).is_some_and(|agent| agent.offers.contains(&open.0)) {
                return Some(open);
            }
        }
        None
    }

    /// One event of the mix; returns its kind and the time it took.
    fn decide(&mut self) -> (&'static str, Duration) {
        self.now = Millis(self.now.0 + 1);
        let roll = self.rng.below(100);
        // Enqueues balance what accepts take out of line, so the line stays near WAITING.
        let enqueue_share = if self.waiting > WAITING { 20 } else { 40 };
        let (kind, took, actions) = if roll < enqueue_share {
            let entry = self.entry();
            let start = Instant::now();
            let actions = self.router.enqueue(self.now, entry).expect("known queue");
            ("enqueue", start.elapsed(), actions)
        } else if roll < 75
            && let Some((offer, agent)) = self.take_offer()
        {
            let accept = roll < 60;
            let start = Instant::now();
            let actions = if accept {
                self.router.accept(self.now, &agent, &offer)
            } else {
                self.router.decline(self.now, &agent, &offer)
            };
            let took = start.elapsed();
            (if accept { "accept" } else { "decline" }, took, actions.expect("open offer"))
        } else {
            let (conversation, agent) = self.assigned.swap_remove(self.rng.below(self.assigned.len()));
            let start = Instant::now();
            let actions = self.router.release(self.now, &agent, &conversation).expect("held");
            ("release", start.elapsed(), actions)
        };
        self.absorb(&actions);
        (kind, took)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1e6
}

fn main() {
    let start = Millis(1_800_000_000_000);
    let mut bench = Bench {
        router: Router::new(config(), start).expect("valid configuration"),
        rng: Rng(StdRng::seed_from_u64(7)),
        now: start,
        next_id: 0,
        offers: Vec::new(),
        assigned: Vec::new(),
        waiting: 0,
    };
    for n in 0..AGENTS {
        let mut skills = Vec::new();
        if bench.rng.below(2) == 0 {
            skills.push("zh".to_owned());
        }
        if bench.rng.below(10) < 7 {
            skills.push("en".to_owned());
        }
        if bench.rng.below(10) < 3 {
            skills.push(format!("refund:{}", 1 + bench.rng.below(3)));
        }
        let profile = AgentProfile::new(format!("agent{n:04}"), 10)
            .with_skills(skills)
            .with_channel_capacity("chat", 3)
            .with_channel_capacity("email", 8);
        let actions = bench.router.agent_connected(bench.now, profile, Status::Available);
        bench.absorb(&actions);
    }
    // Fill the agents (every offer accepted) and leave WAITING conversations in line.
    while bench.router.queue_stats(bench.now).iter().map(|queue| queue.waiting).sum::<usize>() < WAITING {
        for _ in 0..1_000 {
            let entry = bench.entry();
            let actions = bench.router.enqueue(bench.now, entry).expect("known queue");
            bench.absorb(&actions);
        }
        while let Some((offer, agent)) = bench.offers.pop() {
            let actions = bench.router.accept(bench.now, &agent, &offer).expect("open offer");
            bench.absorb(&actions);
        }
    }
    let with_room = bench.router.agents().iter().filter(|agent| agent.load() < agent.capacity.total as usize).count();

    let mut all = Vec::with_capacity(DECISIONS);
    let mut by_kind: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    for n in 0..DECISIONS {
        if n % 500 == 0 {
            bench.waiting = bench.router.queue_stats(bench.now).iter().map(|queue| queue.waiting).sum();
        }
        let (kind, took) = bench.decide();
        all.push(took);
        by_kind.entry(kind).or_default().push(took);
    }
    all.sort();
    let waiting: usize = bench.router.queue_stats(bench.now).iter().map(|queue| queue.waiting).sum();
    println!(
        "decision: median {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, max {:.1} µs ({AGENTS} agents, {waiting} waiting, {} decisions)",
        percentile(&all, 0.5),
        percentile(&all, 0.9),
        percentile(&all, 0.99),
        percentile(&all, 1.0),
        all.len()
    );
    for (kind, mut times) in by_kind {
        times.sort();
        println!(
            "  {kind}: median {:.1} µs, p99 {:.1} µs ({} decisions)",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times.len()
        );
    }
    println!("  {with_room} agents had room after the fill");
}
