//! Load benchmark of the customer chat and agent console websockets: idle-connection memory,
//! then sustained customer messages with durable commits and end-to-end latency percentiles.
//!
//! ```text
//! cargo bench --bench chat_load                       # defaults: about a minute
//! cargo bench --bench chat_load -- --rate 5000 --duration 60 --synchronous normal
//! CHAT_LOAD_IDLE=0 cargo bench --bench chat_load      # skip the idle-connection phase
//! ```
//!
//! Every option is `--name VALUE` after `--`, or the environment variable `CHAT_LOAD_NAME`;
//! `--help` lists them. The daemon is the release binary, started privately on a free
//! loopback port with a temporary database; the load generator shares the machine's cores
//! with it, which is the condition the figures are quoted for.

#[path = "../tests/common/mod.rs"]
mod common;
mod options;

#[path = "chat_load/client.rs"]
mod client;
#[path = "chat_load/stats.rs"]
mod stats;

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use client::{Frame, Read, Ws};
use common::Daemon;
use stats::{ProcStats, Samples};

/// HS256 secret for customer tokens in the private daemon.
const SECRET: &str = "chat-load-secret-chat-load-secret-0123456789";
/// Password of every load agent.
const PASSWORD: &str = "load agent password";
/// Connections being set up at once: enough to keep the daemon busy, few enough to stay
/// inside the listener's accept backlog (a dropped SYN costs a one-second retransmit).
const CONNECT_CONCURRENCY: usize = 256;
/// Longest the routing of every opening message may take before the load starts anyway.
const SETUP_DEADLINE: Duration = Duration::from_secs(180);
/// Open files this process needs beyond its sockets (binaries, pipes, the runtime).
const FD_MARGIN: u64 = 200;

/// What a run does. Defaults finish in about a minute.
#[derive(Clone, Debug)]
struct Options {
    /// Idle customer connections in the memory phase (0 skips it).
    idle: usize,
    /// Customers sending in the load phase.
    customers: usize,
    /// Agents accepting every offer and answering.
    agents: usize,
    /// Customer messages per second offered, across all customers.
    rate: f64,
    /// Seconds of load before measuring starts.
    warmup: f64,
    /// Seconds measured.
    duration: f64,
    /// Seconds allowed after the load stops for the last answers to arrive.
    drain: f64,
    /// Agents reply to one customer message in this many (0: never).
    reply_every: u64,
    /// Bytes of text per message.
    text_bytes: usize,
    /// `store.synchronous` of the daemon: `full` (durable, the default) or `normal`.
    synchronous: String,
    /// `store.write_batch` of the daemon; unset keeps the daemon's default.
    write_batch: Option<usize>,
    /// `routing.agent_capacity`; unset gives every agent room for twice its share.
    capacity: Option<usize>,
    /// `log.level` of the daemon.
    log_level: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            idle: 10_000,
            customers: 1_000,
            agents: 20,
            rate: 10_000.0,
            warmup: 5.0,
            duration: 30.0,
            drain: 10.0,
            reply_every: 10,
            text_bytes: 64,
            synchronous: "full".into(),
            write_batch: None,
            capacity: None,
            log_level: "info".into(),
        }
    }
}

const HELP: &str = "chat_load options (--name VALUE after `--`, or CHAT_LOAD_NAME=VALUE):
  --idle N            idle customer connections in the memory phase, 0 skips it (10000)
  --customers N       customers sending in the load phase (1000)
  --agents N          agents accepting offers and replying (20)
  --rate R            customer messages per second offered in total (10000)
  --warmup S          seconds of load before measuring (5)
  --duration S        seconds measured (30)
  --drain S           seconds allowed for the last answers after the load stops (10)
  --reply-every N     agents reply to one customer message in N, 0 never (10)
  --text-bytes N      bytes of text per message (64)
  --synchronous M     store.synchronous: full (durable) or normal (full)
  --write-batch N     store.write_batch (daemon default)
  --capacity N        routing.agent_capacity (twice each agent's share)
  --log-level L       log.level of the daemon (info)";

impl Options {
    fn parse() -> Result<Options, String> {
        let mut o = Options::default();
        let values = options::given("CHAT_LOAD_", HELP)?;
        for (name, value) in values {
            let bad = |e: &dyn std::fmt::Display| format!("--{name} {value:?}: {e}");
            match name.as_str() {
                "idle" => o.idle = value.parse().map_err(|e| bad(&e))?,
                "customers" => o.customers = value.parse().map_err(|e| bad(&e))?,
                "agents" => o.agents = value.parse().map_err(|e| bad(&e))?,
                "rate" => o.rate = value.parse().map_err(|e| bad(&e))?,
                "warmup" => o.warmup = value.parse().map_err(|e| bad(&e))?,
                "duration" => o.duration = value.parse().map_err(|e| bad(&e))?,
                "drain" => o.drain = value.parse().map_err(|e| bad(&e))?,
                "reply-every" => o.reply_every = value.parse().map_err(|e| bad(&e))?,
                "text-bytes" => o.text_bytes = value.parse().map_err(|e| bad(&e))?,
                "synchronous" => o.synchronous = value,
                "write-batch" => o.write_batch = Some(value.parse().map_err(|e| bad(&e))?),
                "capacity" => o.capacity = Some(value.parse().map_err(|e| bad(&e))?),
                "log-level" => o.log_level = value,
                _ => return Err(format!("unknown option --{name}\n{HELP}")),
            }
        }
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if o.customers == 0 || o.agents == 0 || !positive(o.rate) || !positive(o.duration) {
            return Err(format!("customers, agents, rate and duration must be positive\n{HELP}"));
        }
        if !matches!(o.synchronous.as_str(), "full" | "normal") {
            return Err(format!("--synchronous must be full or normal\n{HELP}"));
        }
        Ok(o)
    }

    fn capacity(&self) -> usize {
        self.capacity.unwrap_or_else(|| self.customers.div_ceil(self.agents) * 2)
    }
}

/// The load's timetable, fixed once every customer is ready; times in microseconds since
/// [`Ctx::epoch`].
#[derive(Clone, Copy)]
struct Plan {
    /// When customer 0 sends its first message.
    start: tokio::time::Instant,
    /// Each customer's interval between messages.
    period: Duration,
    /// Messages scheduled in [window_start, window_end) are measured; sending stops at the end.
    window_start: u64,
    window_end: u64,
}

impl Plan {
    fn measured(&self, stamp: u64) -> bool {
        (self.window_start..self.window_end).contains(&stamp)
    }
}

/// What every task of the load shares: the clock, the timetable and running counts.
struct Ctx {
    epoch: Instant,
    addr: SocketAddr,
    opts: Options,
    /// Customer messages sent, acknowledged, and seen by an agent (all of the run).
    sent: AtomicU64,
    acked: AtomicU64,
    agent_seen: AtomicU64,
    /// Agent replies sent, acknowledged, and seen by their customer.
    replies_sent: AtomicU64,
    replies_acked: AtomicU64,
    replies_seen: AtomicU64,
    /// Customers whose conversation is assigned and who wait for the start.
    ready: AtomicU64,
    offers: AtomicU64,
    assigned: AtomicU64,
    /// Problems by kind (error codes, close codes, setup failures) and how often.
    problems: Mutex<BTreeMap<String, u64>>,
}

impl Ctx {
    fn micros(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.epoch).as_micros() as u64
    }

    fn now(&self) -> u64 {
        self.micros(Instant::now())
    }

    fn problem(&self, what: impl Into<String>) {
        let mut problems = self.problems.lock().unwrap_or_else(|p| p.into_inner());
        *problems.entry(what.into()).or_default() += 1;
    }
}

/// What one customer measured.
#[derive(Default)]
struct CustomerResult {
    /// Scheduled send → `ack`.
    ack: Samples,
    /// Agent reply sent → the customer's `message` frame.
    agent_to_customer: Samples,
    /// How late the generator sent each message after its scheduled time.
    lag: Samples,
}

/// What one agent measured.
#[derive(Default)]
struct AgentResult {
    /// Customer's scheduled send → the agent's `message` frame.
    customer_to_agent: Samples,
    /// Reply sent → the agent's `ack`.
    reply_ack: Samples,
}

fn main() {
    let opts = options::or_exit(Options::parse());
    // One runtime on every core: the generator competes with the daemon for the same two
    // cores, which is the stated measurement condition.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    runtime.block_on(run(opts));
}

async fn run(opts: Options) {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let needed = opts.idle.max(opts.customers + opts.agents) as u64 + FD_MARGIN;
    if let Some(limit) = stats::open_files_limit()
        && limit < needed
    {
        eprintln!(
            "chat_load: this process may open {limit} files but the run needs about {needed}; lower --idle or --customers"
        );
        std::process::exit(2);
    }
    println!(
        "chat_load: {cpus} cpus; store.synchronous={}, store.write_batch={}, log.level={}",
        opts.synchronous,
        opts.write_batch.map_or("default".to_owned(), |b| b.to_string()),
        opts.log_level
    );

    let mut builder = Daemon::builder()
        .env("SWITCHBOARD__CHAT__JWT_SECRET", SECRET)
        // Per-connection limits far above the load's own rate, so the generator's timer
        // bunching never trips them; the limiter itself still runs on every frame.
        .env("SWITCHBOARD__CHAT__RATE_PER_S", "1000")
        .env("SWITCHBOARD__CHAT__RATE_BURST", "1000")
        // A load agent answers fifty customers at machine speed, far past any person.
        .env("SWITCHBOARD__CONSOLE__RATE_PER_S", "10000")
        .env("SWITCHBOARD__CONSOLE__RATE_BURST", "10000")
        .env("SWITCHBOARD__ROUTING__AGENT_CAPACITY", opts.capacity().to_string())
        .env("SWITCHBOARD__CONSOLE__LOGIN_ATTEMPTS_PER_MINUTE", "10000")
        .env("SWITCHBOARD__STORE__SYNCHRONOUS", &opts.synchronous)
        .env("SWITCHBOARD__LOG__LEVEL", &opts.log_level);
    if let Some(batch) = opts.write_batch {
        builder = builder.env("SWITCHBOARD__STORE__WRITE_BATCH", batch.to_string());
    }
    let daemon = builder.start().await;
    let pid = daemon.pid().to_string();
    let addr = daemon.address();
    println!("daemon: pid {pid}, listening on {addr}, data in {}", daemon.dir().display());

    let started = Instant::now();
    let logins: Vec<String> = (0..opts.agents).map(|i| format!("load-agent-{i}")).collect();
    futures::future::join_all(logins.iter().map(|login| daemon.agent_add(login, login, &[], false, PASSWORD))).await;
    println!("agents: {} added in {:.1} s", opts.agents, started.elapsed().as_secs_f64());

    let ctx = Arc::new(Ctx {
        epoch: Instant::now(),
        addr,
        opts: opts.clone(),
        sent: AtomicU64::new(0),
        acked: AtomicU64::new(0),
        agent_seen: AtomicU64::new(0),
        replies_sent: AtomicU64::new(0),
        replies_acked: AtomicU64::new(0),
        replies_seen: AtomicU64::new(0),
        ready: AtomicU64::new(0),
        offers: AtomicU64::new(0),
        assigned: AtomicU64::new(0),
        problems: Mutex::new(BTreeMap::new()),
    });

    if opts.idle > 0 {
        idle_phase(&ctx, &pid).await;
    }
    load_phase(&ctx, &daemon, &pid, &logins).await;
}

/// Opens `idle` customer connections that say hello and then stay quiet, and reports what
/// they cost the daemon in resident memory.
async fn idle_phase(ctx: &Arc<Ctx>, pid: &str) {
    let n = ctx.opts.idle;
    let before = ProcStats::read(pid);
    let started = Instant::now();
    let results: Vec<Result<Ws, String>> = futures::stream::iter(0..n)
        .map(|i| {
            let addr = ctx.addr;
            async move { client::customer(addr, &client::customer_token(SECRET, &format!("idle-{i}"))).await }
        })
        .buffer_unordered(CONNECT_CONCURRENCY)
        .collect()
        .await;
    let took = started.elapsed().as_secs_f64();
    let mut open = Vec::with_capacity(n);
    for r in results {
        match r {
            Ok(ws) => open.push(ws),
            Err(e) => ctx.problem(format!("idle setup: {e}")),
        }
    }
    // Let allocations made while setting up settle (freed buffers, the allocator trimming).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = ProcStats::read(pid);
    let delta_mb = after.rss_mb() - before.rss_mb();
    let per_kb = if open.is_empty() { f64::NAN } else { delta_mb * 1024.0 / open.len() as f64 };
    println!();
    println!(
        "idle connections: {} of {n} open after hello in {took:.1} s ({:.0}/s)",
        open.len(),
        open.len() as f64 / took
    );
    println!(
        "  daemon VmRSS {:.1} MB before, {:.1} MB with them open: {delta_mb:.1} MB for {} = {per_kb:.1} KB each",
        before.rss_mb(),
        after.rss_mb(),
        open.len()
    );
    // The target is about 10,000 connections; a smaller run extrapolates from its own cost.
    let (at_10k, how) = if open.len() >= 10_000 {
        (after.rss_mb(), "measured")
    } else {
        (before.rss_mb() + per_kb * 10_000.0 / 1024.0, "extrapolated")
    };
    println!(
        "  target: 10,000 idle connections under 300 MB resident: {} ({at_10k:.1} MB at 10,000, {how})",
        if at_10k < 300.0 { "MET" } else { "NOT MET" }
    );
    let closing = Instant::now();
    drop(open);
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!(
        "  after closing them: daemon VmRSS {:.1} MB ({:.1} s later)",
        ProcStats::read(pid).rss_mb(),
        closing.elapsed().as_secs_f64()
    );
}

/// Customers send at a steady total rate to agents who accept every offer and answer some of
/// the messages; reports throughput and latency percentiles.
async fn load_phase(ctx: &Arc<Ctx>, daemon: &Daemon, pid: &str, logins: &[String]) {
    let opts = &ctx.opts;
    println!();
    println!(
        "load: {} customers at {:.2} msg/s each ({:.0}/s in total), {} agents of capacity {}, agents reply to {}",
        opts.customers,
        opts.rate / opts.customers as f64,
        opts.rate,
        opts.agents,
        opts.capacity(),
        if opts.reply_every == 0 { "none".to_owned() } else { format!("1 in {}", opts.reply_every) }
    );
    let (plan_tx, plan_rx) = watch::channel(None::<Plan>);
    let (stop_tx, stop_rx) = watch::channel(false);

    let http = reqwest::Client::new();
    let mut agents = Vec::new();
    for login in logins {
        let token = match client::agent_login(&http, ctx.addr, login, PASSWORD).await {
            Ok(t) => t,
            Err(e) => {
                ctx.problem(format!("agent setup: {e}"));
                continue;
            }
        };
        match client::available_agent(ctx.addr, &token).await {
            Ok(ws) => agents.push(tokio::spawn(agent(ctx.clone(), ws, plan_rx.clone(), stop_rx.clone()))),
            Err(e) => ctx.problem(format!("agent setup: {e}")),
        }
    }
    if agents.is_empty() {
        println!("  no agent could log in; nothing to measure");
        return;
    }

    let setup = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(CONNECT_CONCURRENCY));
    let customers: Vec<_> = (0..opts.customers)
        .map(|i| tokio::spawn(customer(ctx.clone(), i, gate.clone(), plan_rx.clone(), stop_rx.clone())))
        .collect();
    let deadline = setup + SETUP_DEADLINE;
    while (ctx.ready.load(Relaxed) as usize) < opts.customers && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ready = ctx.ready.load(Relaxed);
    let setup_s = setup.elapsed().as_secs_f64();
    println!(
        "  setup: {ready} of {} customers connected, opened a conversation and were assigned in {setup_s:.1} s ({:.0} conversations/s routed)",
        opts.customers,
        ready as f64 / setup_s
    );

    let start = tokio::time::Instant::now() + Duration::from_millis(200);
    let start_us = ctx.micros(start.into_std());
    let window_start = start_us + (opts.warmup * 1e6) as u64;
    let window_end = window_start + (opts.duration * 1e6) as u64;
    let period = Duration::from_secs_f64(opts.customers as f64 / opts.rate);
    let _ = plan_tx.send(Some(Plan { start, period, window_start, window_end }));

    // Sample the counters each second of the measured window, for the sustained rate.
    let ticks = stats::clock_ticks_per_second();
    let at = |us: u64| tokio::time::Instant::from_std(ctx.epoch + Duration::from_micros(us));
    tokio::time::sleep_until(at(window_start)).await;
    let daemon_before = ProcStats::read(pid);
    let threads_before = stats::thread_ticks(pid);
    let self_before = ProcStats::read("self");
    let acked_before = ctx.acked.load(Relaxed);
    let sent_before = ctx.sent.load(Relaxed);
    let mut per_second = Vec::new();
    let mut last = acked_before;
    let mut next = window_start + 1_000_000;
    while next <= window_end {
        tokio::time::sleep_until(at(next)).await;
        let now = ctx.acked.load(Relaxed);
        per_second.push(now - last);
        last = now;
        if per_second.len() % 5 == 0 {
            eprintln!(
                "  .. {:>3} s measured: {} acks in the last second, daemon VmRSS {:.0} MB",
                per_second.len(),
                per_second.last().copied().unwrap_or(0),
                ProcStats::read(pid).rss_mb()
            );
        }
        next += 1_000_000;
    }
    tokio::time::sleep_until(at(window_end)).await;
    let window_s = (window_end - window_start) as f64 / 1e6;
    let daemon_after = ProcStats::read(pid);
    let threads_after = stats::thread_ticks(pid);
    let self_after = ProcStats::read("self");
    let acked_in_window = ctx.acked.load(Relaxed) - acked_before;
    let sent_in_window = ctx.sent.load(Relaxed) - sent_before;

    // Let the last answers arrive, then stop every task.
    let drain_started = Instant::now();
    let drained = || {
        let sent = ctx.sent.load(Relaxed);
        let replies = ctx.replies_sent.load(Relaxed);
        ctx.acked.load(Relaxed) >= sent
            && ctx.agent_seen.load(Relaxed) >= sent
            && ctx.replies_acked.load(Relaxed) >= replies
            && ctx.replies_seen.load(Relaxed) >= replies
    };
    while !drained() && drain_started.elapsed().as_secs_f64() < opts.drain {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let drain_s = drain_started.elapsed().as_secs_f64();
    let _ = stop_tx.send(true);

    let mut customer_total = CustomerResult::default();
    for handle in customers {
        if let Ok(r) = handle.await {
            customer_total.ack.extend(r.ack);
            customer_total.agent_to_customer.extend(r.agent_to_customer);
            customer_total.lag.extend(r.lag);
        }
    }
    let mut agent_total = AgentResult::default();
    for handle in agents {
        if let Ok(r) = handle.await {
            agent_total.customer_to_agent.extend(r.customer_to_agent);
            agent_total.reply_ack.extend(r.reply_ack);
        }
    }

    let rate = acked_in_window as f64 / window_s;
    let mut sorted = per_second.clone();
    sorted.sort_unstable();
    let ack = stats::summarize(customer_total.ack);
    println!(
        "  throughput: {acked_in_window} acks in the {window_s:.0} s window = {rate:.0} msg/s (offered {:.0}/s, sent {sent_in_window}); per second: min {}, median {}, max {}",
        opts.rate,
        sorted.first().copied().unwrap_or(0),
        sorted.get(sorted.len() / 2).copied().unwrap_or(0),
        sorted.last().copied().unwrap_or(0)
    );
    println!("{}", stats::table_header());
    println!("{}", stats::table_row("customer send -> ack", &ack));
    println!(
        "{}",
        stats::table_row("customer send -> agent message", &stats::summarize(agent_total.customer_to_agent))
    );
    println!("{}", stats::table_row("agent reply -> ack", &stats::summarize(agent_total.reply_ack)));
    println!(
        "{}",
        stats::table_row("agent reply -> customer message", &stats::summarize(customer_total.agent_to_customer))
    );
    println!("{}", stats::table_row("(generator send lag)", &stats::summarize(customer_total.lag)));
    let (sent, replies) = (ctx.sent.load(Relaxed), ctx.replies_sent.load(Relaxed));
    println!(
        "  totals: {sent} customer messages sent, {} acked, {} seen by agents; {replies} replies sent, {} acked, {} seen by customers; drained in {drain_s:.1} s",
        ctx.acked.load(Relaxed),
        ctx.agent_seen.load(Relaxed),
        ctx.replies_acked.load(Relaxed),
        ctx.replies_seen.load(Relaxed)
    );
    println!(
        "  unanswered at the end: {} acks, {} agent messages, {} reply acks, {} customer messages; offers {}, assignments {}",
        sent.saturating_sub(ctx.acked.load(Relaxed)),
        sent.saturating_sub(ctx.agent_seen.load(Relaxed)),
        replies.saturating_sub(ctx.replies_acked.load(Relaxed)),
        replies.saturating_sub(ctx.replies_seen.load(Relaxed)),
        ctx.offers.load(Relaxed),
        ctx.assigned.load(Relaxed)
    );
    let problems = ctx.problems.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if problems.is_empty() {
        println!("  errors: none");
    } else {
        println!("  errors:");
        for (what, count) in problems {
            println!("    {count:>7} x {what}");
        }
    }
    let (du, ds) = stats::cpu_percent(&daemon_before, &daemon_after, window_s, ticks);
    let (su, ss) = stats::cpu_percent(&self_before, &self_after, window_s, ticks);
    println!(
        "  cpu in the window (100% = one core): daemon {:.0}% (user {du:.0}%, system {ds:.0}%), load generator {:.0}% (user {su:.0}%, system {ss:.0}%)",
        du + ds,
        su + ss
    );
    // Which threads the daemon's time went to: the runtime's workers, the store's writer and
    // readers (each SQLite connection has a thread of its own), blocking-pool threads.
    let busiest = stats::busiest_threads(&threads_before, &threads_after, window_s, ticks, 8);
    let listed: Vec<String> = busiest.iter().map(|(tid, name, pct)| format!("{name}[{tid}] {pct:.0}%")).collect();
    println!("  busiest daemon threads: {}", listed.join(", "));
    println!(
        "  daemon VmRSS {:.1} MB at the end of the window, {:.1} MB peak over the run",
        daemon_after.rss_mb(),
        daemon_after.hwm_kib as f64 / 1024.0
    );
    let db_mb = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", daemon.db_path().display())).ok())
        .map(|m| m.len() as f64 / 1e6)
        .sum::<f64>();
    println!("  database: {db_mb:.0} MB with its WAL");
    let warn_lines = daemon.logs().lines().filter(|l| l.contains(r#""level":"WARN""#)).count();
    let error_lines = daemon.logs().lines().filter(|l| l.contains(r#""level":"ERROR""#)).count();
    println!("  daemon log: {warn_lines} warnings, {error_lines} errors");
    let met_rate = rate >= 10_000.0 * 0.99;
    let met_p99 = ack.p99 < 50.0;
    println!(
        "  target: 10,000 customer messages/s sustained with durable commits, p99 below 50 ms: {} ({rate:.0}/s, ack p99 {:.1} ms, synchronous={})",
        if met_rate && met_p99 && opts.synchronous == "full" { "MET" } else { "NOT MET" },
        ack.p99,
        opts.synchronous
    );
}

/// One customer: connects, opens a conversation and waits for its agent, then sends on its
/// own timetable (open loop: never waiting for answers) until the window ends, measuring every
/// answer, until told to stop.
async fn customer(
    ctx: Arc<Ctx>,
    index: usize,
    gate: Arc<tokio::sync::Semaphore>,
    mut plan_rx: watch::Receiver<Option<Plan>>,
    mut stop: watch::Receiver<bool>,
) -> CustomerResult {
    let mut out = CustomerResult::default();
    let sub = format!("load-{index}");
    let token = client::customer_token(SECRET, &sub);
    let text = "Hello, I need help with a payment";
    let setup = client::assigned_customer(ctx.addr, &token, text, &gate, SETUP_DEADLINE);
    let mut ws = match setup.await {
        Ok(ws) => ws,
        Err(e) => {
            ctx.problem(format!("customer setup: {e}"));
            return out;
        }
    };
    ctx.ready.fetch_add(1, Relaxed);
    let Ok(Some(plan)) = plan_rx.wait_for(Option::is_some).await.map(|p| *p) else {
        return out;
    };
    // Spread the customers evenly over one period, so the total rate is smooth.
    let offset = plan.period.mul_f64(index as f64 / ctx.opts.customers as f64);
    let mut interval = tokio::time::interval_at(plan.start + offset, plan.period);
    // Open loop: a late tick is sent at once, never skipped, so a slow daemon (or a busy
    // generator) shows as latency measured from the scheduled time, not as a lower rate.
    interval.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let filler = "x".repeat(ctx.opts.text_bytes.saturating_sub(40));
    // (message number, scheduled time) of each message not yet acknowledged, oldest first.
    let mut pending: VecDeque<(u64, u64)> = VecDeque::new();
    let mut n = 0u64;
    let mut sending = true;
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            tick = interval.tick(), if sending => {
                let scheduled = ctx.micros(tick.into_std());
                if scheduled >= plan.window_end {
                    sending = false;
                    continue;
                }
                n += 1;
                let mut text = String::with_capacity(96 + filler.len());
                text.push_str(r#"{"type":"send","client_id":"m"#);
                let _ = write!(text, "{n}");
                text.push_str(r#"","text":"Load message "#);
                client::push_stamp(&mut text, scheduled);
                text.push(' ');
                text.push_str(&filler);
                text.push_str(r#""}"#);
                pending.push_back((n, scheduled));
                let lag = ctx.now().saturating_sub(scheduled);
                if !client::send(&mut ws, text).await {
                    ctx.problem("customer connection lost while sending");
                    break;
                }
                ctx.sent.fetch_add(1, Relaxed);
                if plan.measured(scheduled) {
                    out.lag.record(lag);
                }
            }
            next = ws.next() => match client::classify(next) {
                Read::Text(t) => {
                    let now = ctx.now();
                    let Some(f) = Frame::parse(t.as_str()) else {
                        ctx.problem("customer got an unparsable frame");
                        continue;
                    };
                    match &*f.kind {
                        "ack" => {
                            let Some(number) = f.client_id.strip_prefix('m').and_then(|s| s.parse::<u64>().ok()) else { continue };
                            // Acks come in send order; anything older than this one was lost.
                            while let Some(&(m, scheduled)) = pending.front() {
                                if m > number {
                                    break;
                                }
                                pending.pop_front();
                                if m == number {
                                    ctx.acked.fetch_add(1, Relaxed);
                                    if plan.measured(scheduled) {
                                        out.ack.record(now.saturating_sub(scheduled));
                                    }
                                } else {
                                    ctx.problem("customer ack missing (a later one came first)");
                                }
                            }
                        }
                        "message" if f.role() == "agent" => {
                            if let Some(stamp) = client::find_stamp(&f.text) {
                                ctx.replies_seen.fetch_add(1, Relaxed);
                                if plan.measured(stamp) {
                                    out.agent_to_customer.record(now.saturating_sub(stamp));
                                }
                            }
                        }
                        "error" => ctx.problem(format!("customer got error {}", f.code)),
                        _ => {}
                    }
                }
                Read::Closed(code) => {
                    ctx.problem(format!("customer closed by the daemon with {code}"));
                    break;
                }
                Read::Dropped => {
                    ctx.problem("customer connection dropped");
                    break;
                }
                Read::Other => {}
            },
        }
    }
    out
}

/// One agent: accepts every offer, reads every message of its conversations and replies to
/// one customer message in `reply_every`, until told to stop.
async fn agent(
    ctx: Arc<Ctx>,
    mut ws: Ws,
    mut plan_rx: watch::Receiver<Option<Plan>>,
    mut stop: watch::Receiver<bool>,
) -> AgentResult {
    let mut out = AgentResult::default();
    let mut plan: Option<Plan> = None;
    let mut seen = 0u64;
    let mut n = 0u64;
    // (reply number, send time) of each reply not yet acknowledged, oldest first.
    let mut pending: VecDeque<(u64, u64)> = VecDeque::new();
    loop {
        let next = tokio::select! {
            _ = stop.changed() => break,
            next = ws.next() => next,
        };
        let t = match client::classify(next) {
            Read::Text(t) => t,
            Read::Closed(code) => {
                ctx.problem(format!("agent closed by the daemon with {code}"));
                break;
            }
            Read::Dropped => {
                ctx.problem("agent connection dropped");
                break;
            }
            Read::Other => continue,
        };
        let now = ctx.now();
        let Some(f) = Frame::parse(t.as_str()) else {
            ctx.problem("agent got an unparsable frame");
            continue;
        };
        if plan.is_none() {
            plan = *plan_rx.borrow_and_update();
        }
        match &*f.kind {
            "offer" => {
                ctx.offers.fetch_add(1, Relaxed);
                let accept = json!({ "type": "accept", "offer_id": f.offer_id }).to_string();
                if !client::send(&mut ws, accept).await {
                    ctx.problem("agent connection lost while accepting");
                    break;
                }
            }
            "assigned" => {
                ctx.assigned.fetch_add(1, Relaxed);
            }
            "message" if f.role() == "customer" => {
                let Some(stamp) = client::find_stamp(&f.text) else { continue };
                ctx.agent_seen.fetch_add(1, Relaxed);
                if plan.is_some_and(|p| p.measured(stamp)) {
                    out.customer_to_agent.record(now.saturating_sub(stamp));
                }
                seen += 1;
                if ctx.opts.reply_every == 0 || !seen.is_multiple_of(ctx.opts.reply_every) {
                    continue;
                }
                n += 1;
                let sent_at = ctx.now();
                let mut text = String::with_capacity(160);
                text.push_str(r#"{"type":"reply","conversation_id":""#);
                text.push_str(f.conversation());
                text.push_str(r#"","client_id":"r"#);
                let _ = write!(text, "{n}");
                text.push_str(r#"","text":"Agent answer "#);
                client::push_stamp(&mut text, sent_at);
                text.push_str(r#""}"#);
                pending.push_back((n, sent_at));
                if !client::send(&mut ws, text).await {
                    ctx.problem("agent connection lost while replying");
                    break;
                }
                ctx.replies_sent.fetch_add(1, Relaxed);
            }
            "ack" => {
                let Some(number) = f.client_id.strip_prefix('r').and_then(|s| s.parse::<u64>().ok()) else { continue };
                while let Some(&(m, sent_at)) = pending.front() {
                    if m > number {
                        break;
                    }
                    pending.pop_front();
                    if m == number {
                        ctx.replies_acked.fetch_add(1, Relaxed);
                        if plan.is_some_and(|p| p.measured(sent_at)) {
                            out.reply_ack.record(now.saturating_sub(sent_at));
                        }
                    } else {
                        ctx.problem("agent reply ack missing (a later one came first)");
                    }
                }
            }
            "delivery" if f.state != "sent" => ctx.problem(format!("delivery {}", f.state)),
            "offer_revoked" => ctx.problem(format!("agent offer revoked ({})", f.reason)),
            "unassigned" => ctx.problem(format!("agent conversation unassigned ({})", f.reason)),
            "error" => ctx.problem(format!("agent got error {}", f.code)),
            _ => {}
        }
    }
    out
}
