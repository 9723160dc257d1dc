//! The parties of a burst: customers who each open a conversation at t0, agents who accept
//! every offer the moment it arrives, and the customers of the optional background chat load.
//! Every time is in microseconds since [`Ctx::epoch`], taken when a frame is read or just
//! before one is sent.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;
use tokio::sync::{Semaphore, watch};
use tokio::time::MissedTickBehavior;

use crate::client::{self, Frame, Read, Ws};

/// HS256 secret for customer tokens in the private daemon.
pub const SECRET: &str = "routing-burst-secret-routing-burst-0123456789";
/// Password of every agent.
pub const PASSWORD: &str = "burst agent password";
/// Longest a load customer waits for its opening message to be assigned before the run
/// goes on without it.
const LOAD_SETUP_DEADLINE: Duration = Duration::from_secs(120);

/// What every task of a round shares.
pub struct Ctx {
    pub epoch: Instant,
    pub addr: SocketAddr,
    /// Agents reply to one customer message of the background load in this many (0: never).
    pub reply_every: u64,
    /// Burst customers close their connection once acknowledged (a diagnostic: the daemon
    /// then has nobody to send queue positions or the assignment to).
    pub leave_after_ack: bool,
    /// Set just before t0: assignments seen from then on belong to the burst.
    pub started: AtomicBool,
    /// Burst customers whose opening message was acknowledged, and who were told of their
    /// agent; `assigned` frames agents got since t0.
    pub acked: AtomicU64,
    pub customer_assigned: AtomicU64,
    pub agent_assigned: AtomicU64,
    /// Load customers whose conversation is assigned and who wait for the load to start.
    pub load_ready: AtomicU64,
    /// Problems by kind (error codes, close codes, setup failures) and how often.
    pub problems: Mutex<BTreeMap<String, u64>>,
}

impl Ctx {
    pub fn new(addr: SocketAddr, reply_every: u64, leave_after_ack: bool) -> Self {
        Self {
            epoch: Instant::now(),
            addr,
            reply_every,
            leave_after_ack,
            started: AtomicBool::new(false),
            acked: AtomicU64::new(0),
            customer_assigned: AtomicU64::new(0),
            agent_assigned: AtomicU64::new(0),
            load_ready: AtomicU64::new(0),
            problems: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn micros(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.epoch).as_micros() as u64
    }

    pub fn now(&self) -> u64 {
        self.micros(Instant::now())
    }

    pub fn problem(&self, what: impl Into<String>) {
        let mut problems = self.problems.lock().unwrap_or_else(|p| p.into_inner());
        *problems.entry(what.into()).or_default() += 1;
    }
}

/// What one burst customer saw.
#[derive(Default)]
pub struct CustomerRecord {
    /// From the `ack`; empty when none came.
    pub conversation: String,
    pub sent: Option<u64>,
    pub ack: Option<u64>,
    /// The customer's own `assigned` frame (the agent's name).
    pub assigned: Option<u64>,
    pub queue_frames: u64,
}

/// A burst customer: connected and welcomed before t0, it sends its first message when `go`
/// turns true and then reads every frame until `stop`.
pub async fn burst_customer(
    ctx: Arc<Ctx>,
    index: usize,
    mut ws: Ws,
    mut go: watch::Receiver<bool>,
    mut stop: watch::Receiver<bool>,
) -> CustomerRecord {
    let mut rec = CustomerRecord::default();
    let text = format!("Hello, I need help with a payment (customer {index})");
    let open = json!({ "type": "send", "client_id": "burst", "text": text }).to_string();
    if go.wait_for(|go| *go).await.is_err() {
        return rec;
    }
    rec.sent = Some(ctx.now());
    if !client::send(&mut ws, open).await {
        ctx.problem("burst customer: opening message not sent");
        return rec;
    }
    loop {
        let Some(t) = next_text(&ctx, &mut ws, &mut stop, "burst customer").await else { break };
        let now = ctx.now();
        if is_queue_frame(t.as_str()) {
            rec.queue_frames += 1;
            continue;
        }
        let Some(f) = Frame::parse(t.as_str()) else {
            ctx.problem("burst customer got an unparsable frame");
            continue;
        };
        match &*f.kind {
            "ack" if rec.ack.is_none() => {
                rec.ack = Some(now);
                rec.conversation = f.conversation_id.to_string();
                ctx.acked.fetch_add(1, Relaxed);
                if ctx.leave_after_ack {
                    let _ = ws.close(None).await;
                    let _ = stop.changed().await;
                    return rec;
                }
            }
            "assigned" if rec.assigned.is_none() => {
                rec.assigned = Some(now);
                ctx.customer_assigned.fetch_add(1, Relaxed);
            }
            "error" => ctx.problem(format!("burst customer got error {}", &*f.code)),
            _ => {}
        }
    }
    rec
}

/// A customer `queue` frame, told apart without parsing: a customer waiting in a long line
/// gets one for every conversation ahead of it that leaves the line.
fn is_queue_frame(text: &str) -> bool {
    text.starts_with(r#"{"type":"queue""#)
}

/// The next text frame, or `None` once `stop` fires or the connection ends (a problem, which
/// is counted under `who`).
async fn next_text(
    ctx: &Ctx,
    ws: &mut Ws,
    stop: &mut watch::Receiver<bool>,
    who: &str,
) -> Option<tokio_tungstenite::tungstenite::Utf8Bytes> {
    loop {
        let next = tokio::select! {
            _ = stop.changed() => return None,
            next = ws.next() => next,
        };
        match client::classify(next) {
            Read::Text(t) => return Some(t),
            Read::Closed(code) => ctx.problem(format!("{who} closed by the daemon with {code}")),
            Read::Dropped => ctx.problem(format!("{who} connection dropped")),
            Read::Other => continue,
        }
        return None;
    }
}

/// What one agent saw, every frame of the run (setup included).
#[derive(Default)]
pub struct AgentRecord {
    /// (conversation, time) of every `offer` and every `assigned`.
    pub offers: Vec<(String, u64)>,
    pub assigned: Vec<(String, u64)>,
    pub revoked: u64,
    pub replies: u64,
}

/// An agent, logged in and available: accepts every offer as soon as it arrives, and answers
/// one customer message of the background load in `reply_every`, until `stop`.
pub async fn agent(ctx: Arc<Ctx>, mut ws: Ws, mut stop: watch::Receiver<bool>) -> AgentRecord {
    let mut rec = AgentRecord::default();
    let mut seen = 0u64;
    loop {
        let Some(t) = next_text(&ctx, &mut ws, &mut stop, "agent").await else { break };
        let now = ctx.now();
        let Some(f) = Frame::parse(t.as_str()) else {
            ctx.problem("agent got an unparsable frame");
            continue;
        };
        match &*f.kind {
            "offer" => {
                rec.offers.push((f.conversation().to_owned(), now));
                let accept = json!({ "type": "accept", "offer_id": &*f.offer_id }).to_string();
                if !client::send(&mut ws, accept).await {
                    ctx.problem("agent connection lost while accepting");
                    break;
                }
            }
            "assigned" => {
                rec.assigned.push((f.conversation().to_owned(), now));
                if ctx.started.load(Relaxed) {
                    ctx.agent_assigned.fetch_add(1, Relaxed);
                }
            }
            "message" if f.role() == "customer" => {
                seen += 1;
                if ctx.reply_every == 0 || !seen.is_multiple_of(ctx.reply_every) {
                    continue;
                }
                rec.replies += 1;
                let reply = json!({
                    "type": "reply",
                    "conversation_id": f.conversation(),
                    "client_id": format!("r{}", rec.replies),
                    "text": "Thanks, looking into it now",
                });
                if !client::send(&mut ws, reply.to_string()).await {
                    ctx.problem("agent connection lost while replying");
                    break;
                }
            }
            "offer_revoked" => {
                rec.revoked += 1;
                ctx.problem(format!("agent offer revoked ({})", &*f.reason));
            }
            "unassigned" => ctx.problem(format!("agent conversation unassigned ({})", &*f.reason)),
            "error" => ctx.problem(format!("agent got error {}", &*f.code)),
            _ => {}
        }
    }
    rec
}

/// When the background load starts and each load customer's interval between messages.
#[derive(Clone, Copy)]
pub struct LoadPlan {
    pub start: tokio::time::Instant,
    pub period: Duration,
    pub customers: usize,
}

/// Send time and send → `ack` latency of every load message, in microseconds.
#[derive(Default)]
pub struct LoadRecord {
    pub acks: Vec<(u64, u64)>,
    pub sent: u64,
}

/// A customer of the background load: opens a conversation and waits for its agent, then
/// sends on its own timetable (open loop) until `stop`, timing every `ack`.
pub async fn load_customer(
    ctx: Arc<Ctx>,
    index: usize,
    gate: Arc<Semaphore>,
    mut plan_rx: watch::Receiver<Option<LoadPlan>>,
    mut stop: watch::Receiver<bool>,
) -> LoadRecord {
    let mut rec = LoadRecord::default();
    let token = client::customer_token(SECRET, &format!("load-{index}"));
    let text = "Hello, my card payment failed";
    let setup = client::assigned_customer(ctx.addr, &token, text, &gate, LOAD_SETUP_DEADLINE);
    let mut ws = match setup.await {
        Ok(ws) => ws,
        Err(e) => {
            ctx.problem(format!("load customer setup: {e}"));
            return rec;
        }
    };
    ctx.load_ready.fetch_add(1, Relaxed);
    let Ok(Some(plan)) = plan_rx.wait_for(Option::is_some).await.map(|p| *p) else {
        return rec;
    };
    let offset = plan.period.mul_f64(index as f64 / plan.customers as f64);
    let mut interval = tokio::time::interval_at(plan.start + offset, plan.period);
    // Open loop: a late tick is sent at once, so a slow daemon shows as latency.
    interval.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut pending: VecDeque<(u64, u64)> = VecDeque::new();
    let mut n = 0u64;
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            tick = interval.tick() => {
                let scheduled = ctx.micros(tick.into_std());
                n += 1;
                let text = json!({ "type": "send", "client_id": format!("m{n}"), "text": format!("Any news on my payment? ({n})") });
                pending.push_back((n, scheduled));
                if !client::send(&mut ws, text.to_string()).await {
                    ctx.problem("load customer connection lost while sending");
                    break;
                }
                rec.sent += 1;
            }
            next = ws.next() => match client::classify(next) {
                Read::Text(t) => {
                    let now = ctx.now();
                    if is_queue_frame(t.as_str()) {
                        continue;
                    }
                    let Some(f) = Frame::parse(t.as_str()) else { continue };
                    match &*f.kind {
                        "ack" => {
                            let id = &*f.client_id;
                            let Some(number) = id.strip_prefix('m').and_then(|s| s.parse::<u64>().ok()) else { continue };
                            while let Some(&(m, scheduled)) = pending.front() {
                                if m > number {
                                    break;
                                }
                                pending.pop_front();
                                if m == number {
                                    rec.acks.push((scheduled, now.saturating_sub(scheduled)));
                                } else {
                                    ctx.problem("load customer ack missing (a later one came first)");
                                }
                            }
                        }
                        "error" => ctx.problem(format!("load customer got error {}", &*f.code)),
                        _ => {}
                    }
                }
                Read::Closed(code) => {
                    ctx.problem(format!("load customer closed by the daemon with {code}"));
                    break;
                }
                Read::Dropped => {
                    ctx.problem("load customer connection dropped");
                    break;
                }
                Read::Other => {}
            },
        }
    }
    rec
}
