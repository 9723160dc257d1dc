//! The same burst through the routing engine alone (`switchboard-routing`, no store, no
//! sockets), in the order the daemon's routing task sees it: every conversation's enqueue
//! first, then each offer's accept in the order offered. What it costs is the engine's share
//! of the burst; what the daemon takes beyond it goes to the store and the frames.

use std::time::{Duration, Instant};

use switchboard_routing::{Action, AgentProfile, Millis, Priority, QueueEntry, Router, RoutingConfig, Status};

pub struct EngineRun {
    pub enqueue: Duration,
    pub accept: Duration,
    pub offers: usize,
    pub assigned: usize,
    /// Queue positions the engine asked to be sent to customers, in each phase.
    pub positions_enqueue: usize,
    pub positions_accept: usize,
}

pub fn replay(conversations: usize, agents: usize, capacity: u32) -> EngineRun {
    let now = Millis(1_800_000_000_000);
    let mut router = Router::new(RoutingConfig::default(), now).expect("the default routing config is valid");
    for a in 0..agents {
        let _ = router.agent_connected(now, AgentProfile::new(format!("ag_{a}"), capacity), Status::Available);
    }
    let positions = |actions: &[Action]| {
        actions.iter().map(|a| if let Action::QueuePositions(p) = a { p.len() } else { 0 }).sum::<usize>()
    };
    let mut offers = Vec::with_capacity(conversations);
    let mut positions_enqueue = 0;
    let started = Instant::now();
    for c in 0..conversations {
        let entry = QueueEntry::new(format!("cv_{c:06}"), "general", Priority::Normal, now);
        let actions = router.enqueue(now, entry).expect("general is a queue");
        positions_enqueue += positions(&actions);
        for action in actions {
            if let Action::Offer { offer_id, agent, .. } = action {
                offers.push((agent, offer_id));
            }
        }
    }
    let enqueue = started.elapsed();
    let (mut assigned, mut positions_accept) = (0, 0);
    let started = Instant::now();
    let mut next = 0;
    while next < offers.len() {
        let (agent, offer) = offers[next].clone();
        next += 1;
        let actions = router.accept(now, &agent, &offer).expect("an outstanding offer");
        positions_accept += positions(&actions);
        for action in actions {
            match action {
                Action::Assigned { .. } => assigned += 1,
                Action::Offer { offer_id, agent, .. } => offers.push((agent, offer_id)),
                _ => {}
            }
        }
    }
    EngineRun {
        enqueue,
        accept: started.elapsed(),
        offers: offers.len(),
        assigned,
        positions_enqueue,
        positions_accept,
    }
}
