//! Routing benchmark: how long a burst of new chat conversations takes to reach agents, as the
//! clients see it. Every customer is connected before the clock starts; at t0 each sends its
//! first message at once, and agents accept every offer the moment it arrives.
//!
//! ```text
//! cargo bench --bench routing_burst                              # 1000 conversations, 20 agents, 3 rounds
//! cargo bench --bench routing_burst -- --chat-load 2000          # the same under 2000 chat messages/s
//! cargo bench --bench routing_burst -- --rounds 1 --attach 'perf record -g -p {pid} -o /tmp/burst.data'
//! ```
//!
//! Every option is `--name VALUE` after `--`, or the environment variable `ROUTING_BURST_NAME`;
//! `--help` lists them. Each round runs on a fresh release daemon started privately on a free
//! loopback port with a temporary database; the clients share the machine's cores with it.
//!
//! Besides the client-side figures, each round prints the daemon's own timeline of the burst
//! (its `Triaged`, `Offered` and `Assigned` log lines: how long conversations waited for the
//! routing task), and the run starts with the same burst replayed through the routing engine
//! alone, which is the engine's CPU share. `--synchronous normal` (no fsync per commit) and
//! `--leave-after-ack true` (nobody to send queue positions to) take one cost out each.

#[path = "../tests/common/mod.rs"]
mod common;
mod options;

#[allow(dead_code)]
#[path = "chat_load/client.rs"]
mod client;
#[path = "routing_burst/engine.rs"]
mod engine;
#[path = "routing_burst/roles.rs"]
mod roles;
#[allow(dead_code)]
#[path = "chat_load/stats.rs"]
mod stats;
#[path = "routing_burst/timeline.rs"]
mod timeline;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::sync::watch;

use client::Ws;
use common::Daemon;
use roles::{AgentRecord, Ctx, CustomerRecord, LoadPlan, LoadRecord, PASSWORD, SECRET};
use stats::{ProcStats, Samples, Summary};

/// Connections being set up at once: within the listener's accept backlog.
const CONNECT_CONCURRENCY: usize = 256;
/// Open files this process needs beyond its sockets.
const FD_MARGIN: u64 = 200;
/// Seconds of background load before t0, so the burst meets a load already running.
const LOAD_WARMUP: Duration = Duration::from_secs(2);
/// Pause between setup and t0 without a background load, for the set-up work to settle.
const SETTLE: Duration = Duration::from_millis(500);
/// How long an `--attach`ed command gets to start before t0, and to finish after SIGINT.
const ATTACH_START: Duration = Duration::from_secs(1);
const ATTACH_EXIT: Duration = Duration::from_secs(60);

#[derive(Clone, Debug)]
struct Options {
    conversations: usize,
    agents: usize,
    rounds: usize,
    /// Background customer messages per second during the burst (0: none).
    chat_load: f64,
    /// Customers sending the background load.
    load_customers: usize,
    reply_every: u64,
    /// `routing.agent_capacity`; unset: room for every conversation of the run plus ten.
    capacity: Option<u32>,
    synchronous: String,
    /// Seconds a round may take from t0 before it is reported incomplete.
    timeout: f64,
    /// A command run during each burst, `{pid}` standing for the daemon's process id.
    attach: Option<String>,
    leave_after_ack: bool,
    log_level: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            conversations: 1_000,
            agents: 20,
            rounds: 3,
            chat_load: 0.0,
            load_customers: 200,
            reply_every: 10,
            capacity: None,
            synchronous: "full".into(),
            timeout: 120.0,
            attach: None,
            leave_after_ack: false,
            log_level: "info".into(),
        }
    }
}

const HELP: &str = "routing_burst options (--name VALUE after `--`, or ROUTING_BURST_NAME=VALUE):
  --conversations N   new chat conversations opened at once at t0 (1000)
  --agents N          available agents accepting every offer at once (20)
  --rounds N          bursts, each on a fresh daemon; the median is reported too (3)
  --chat-load R       background customer messages per second during the burst, 0 none (0)
  --load-customers N  customers sending the background load, assigned before t0 (200)
  --reply-every N     agents answer one background message in N, 0 never (10)
  --capacity N        routing.agent_capacity (every conversation of the run fits, plus 10 each)
  --synchronous M     store.synchronous: full (durable, the default) or normal
  --timeout S         seconds after t0 before a round counts as incomplete (120)
  --attach CMD        shell command run from 1 s before t0 until the burst ends (then SIGINT);
                      {pid} is the daemon's pid, {round} the round number
  --leave-after-ack B burst customers disconnect once acknowledged, so the daemon sends them no
                      queue positions or assignment; times then come from the agents (false)
  --log-level L       log.level of the daemon; info or more verbose keeps the daemon timeline (info)";

impl Options {
    fn parse() -> Result<Options, String> {
        let mut o = Options::default();
        for (name, value) in options::given("ROUTING_BURST_", HELP)? {
            let bad = |e: &dyn std::fmt::Display| format!("--{name} {value:?}: {e}");
            match name.as_str() {
                "conversations" => o.conversations = value.parse().map_err(|e| bad(&e))?,
                "agents" => o.agents = value.parse().map_err(|e| bad(&e))?,
                "rounds" => o.rounds = value.parse().map_err(|e| bad(&e))?,
                "chat-load" => o.chat_load = value.parse().map_err(|e| bad(&e))?,
                "load-customers" => o.load_customers = value.parse().map_err(|e| bad(&e))?,
                "reply-every" => o.reply_every = value.parse().map_err(|e| bad(&e))?,
                "capacity" => o.capacity = Some(value.parse().map_err(|e| bad(&e))?),
                "synchronous" => o.synchronous = value,
                "timeout" => o.timeout = value.parse().map_err(|e| bad(&e))?,
                "attach" => o.attach = Some(value).filter(|v| !v.trim().is_empty()),
                "leave-after-ack" => o.leave_after_ack = value.parse().map_err(|e| bad(&e))?,
                "log-level" => o.log_level = value,
                _ => return Err(format!("unknown option --{name}\n{HELP}")),
            }
        }
        if o.conversations == 0 || o.agents == 0 || o.rounds == 0 {
            return Err(format!("conversations, agents and rounds must be positive\n{HELP}"));
        }
        if !o.chat_load.is_finite() || o.chat_load < 0.0 || !(o.timeout.is_finite() && o.timeout > 0.0) {
            return Err(format!("--chat-load must be 0 or more and --timeout positive\n{HELP}"));
        }
        if o.chat_load > 0.0 && o.load_customers == 0 {
            return Err(format!("--chat-load needs --load-customers above 0\n{HELP}"));
        }
        if !matches!(o.synchronous.as_str(), "full" | "normal") {
            return Err(format!("--synchronous must be full or normal\n{HELP}"));
        }
        Ok(o)
    }

    fn load_customers(&self) -> usize {
        if self.chat_load > 0.0 { self.load_customers } else { 0 }
    }

    fn capacity(&self) -> u32 {
        self.capacity
            .unwrap_or_else(|| ((self.conversations + self.load_customers()).div_ceil(self.agents) + 10) as u32)
    }
}

/// What one round measured; times in milliseconds after t0.
struct Round {
    /// Burst customers connected before t0, and how many got each answer.
    customers: usize,
    acked: usize,
    assigned_agent: usize,
    assigned_customer: usize,
    complete: bool,
    last_send_ms: f64,
    last_ack_ms: f64,
    last_offer_ms: f64,
    last_assigned_agent_ms: f64,
    last_assigned_customer_ms: f64,
    /// Per conversation, from its customer's send.
    ack: Summary,
    first_offer: Summary,
    to_assigned_agent: Summary,
    to_assigned_customer: Summary,
    /// Offer frames agents got for burst conversations, how many conversations they were for,
    /// and revoked offers.
    offers: usize,
    offered: usize,
    revoked: u64,
    queue_frames: u64,
    /// Daemon CPU from t0 until the last answer, in seconds, and that window.
    cpu_user_s: f64,
    cpu_system_s: f64,
    window_s: f64,
    generator_cpu_s: f64,
    threads: Vec<(u32, String, f64)>,
    rss_before_mb: f64,
    peak_rss_mb: f64,
    /// False when the kernel would not reset the peak, which is then since the start.
    peak_is_burst: bool,
    /// Background messages sent during the burst: send → ack.
    load_ack: Option<Summary>,
    timeline: Option<timeline::Timeline>,
    problems: BTreeMap<String, u64>,
}

fn main() {
    let opts = options::or_exit(Options::parse());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    runtime.block_on(run(opts));
}

async fn run(opts: Options) {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let needed = (opts.conversations + opts.load_customers() + opts.agents) as u64 + FD_MARGIN;
    if let Some(limit) = stats::open_files_limit()
        && limit < needed
    {
        eprintln!("routing_burst: this process may open {limit} files but the run needs about {needed}");
        std::process::exit(2);
    }
    println!(
        "routing_burst: {cpus} cpus; {} conversations at once to {} agents of capacity {}, {} round(s); store.synchronous={}; {}",
        opts.conversations,
        opts.agents,
        opts.capacity(),
        opts.rounds,
        opts.synchronous,
        if opts.chat_load > 0.0 {
            format!(
                "background chat load {:.0} msg/s from {} customers, agents answer 1 in {}",
                opts.chat_load, opts.load_customers, opts.reply_every
            )
        } else {
            "no background load".to_owned()
        }
    );
    // The engine's own share, best of three (it takes milliseconds).
    let replay = (0..3)
        .map(|_| engine::replay(opts.conversations, opts.agents, opts.capacity()))
        .min_by_key(|r| r.enqueue + r.accept)
        .expect("three replays");
    println!(
        "engine alone (no store, no sockets): {} enqueues in {:.1} ms ({:.1} us each), {} accepts in {:.1} ms ({:.1} us each); {} offers, {} assigned; queue positions to send: {} on enqueue, {} on accept",
        opts.conversations,
        replay.enqueue.as_secs_f64() * 1e3,
        replay.enqueue.as_secs_f64() * 1e6 / opts.conversations as f64,
        replay.assigned,
        replay.accept.as_secs_f64() * 1e3,
        replay.accept.as_secs_f64() * 1e6 / replay.assigned.max(1) as f64,
        replay.offers,
        replay.assigned,
        replay.positions_enqueue,
        replay.positions_accept
    );
    let mut rounds = Vec::new();
    for round in 1..=opts.rounds {
        println!();
        println!("round {round} of {}", opts.rounds);
        let r = run_round(&opts, round).await;
        print_round(&r);
        rounds.push(r);
    }
    print_summary(&opts, &rounds);
}

async fn run_round(opts: &Options, round: usize) -> Round {
    let daemon = Daemon::builder()
        .env("SWITCHBOARD__CHAT__JWT_SECRET", SECRET)
        // Per-connection limits far above what one client sends here.
        .env("SWITCHBOARD__CHAT__RATE_PER_S", "1000")
        .env("SWITCHBOARD__CHAT__RATE_BURST", "1000")
        // An agent accepts fifty offers within moments, far past any person.
        .env("SWITCHBOARD__CONSOLE__RATE_PER_S", "10000")
        .env("SWITCHBOARD__CONSOLE__RATE_BURST", "10000")
        .env("SWITCHBOARD__CONSOLE__LOGIN_ATTEMPTS_PER_MINUTE", "10000")
        .env("SWITCHBOARD__ROUTING__AGENT_CAPACITY", opts.capacity().to_string())
        .env("SWITCHBOARD__STORE__SYNCHRONOUS", &opts.synchronous)
        .env("SWITCHBOARD__LOG__LEVEL", &opts.log_level)
        .start()
        .await;
    let pid = daemon.pid().to_string();
    let addr = daemon.address();
    println!("  daemon: pid {pid}, listening on {addr}");
    let ctx = Arc::new(Ctx::new(addr, opts.reply_every, opts.leave_after_ack));
    let (stop_tx, stop_rx) = watch::channel(false);

    let started = Instant::now();
    let logins: Vec<String> = (0..opts.agents).map(|i| format!("burst-agent-{i}")).collect();
    futures::future::join_all(logins.iter().map(|login| daemon.agent_add(login, login, &[], false, PASSWORD))).await;
    let http = reqwest::Client::new();
    let mut agents = Vec::new();
    for login in &logins {
        let ws = match client::agent_login(&http, addr, login, PASSWORD).await {
            Ok(token) => client::available_agent(addr, &token).await,
            Err(e) => Err(e),
        };
        match ws {
            Ok(ws) => agents.push(tokio::spawn(roles::agent(ctx.clone(), ws, stop_rx.clone()))),
            Err(e) => ctx.problem(format!("agent setup: {e}")),
        }
    }
    println!("  agents: {} of {} available after {:.1} s", agents.len(), opts.agents, started.elapsed().as_secs_f64());

    // The background load's customers have their conversations assigned before the burst.
    let (plan_tx, plan_rx) = watch::channel(None::<LoadPlan>);
    let load_n = opts.load_customers();
    let mut loaders = Vec::new();
    if load_n > 0 {
        let setup = Instant::now();
        let gate = Arc::new(tokio::sync::Semaphore::new(CONNECT_CONCURRENCY));
        loaders = (0..load_n)
            .map(|i| tokio::spawn(roles::load_customer(ctx.clone(), i, gate.clone(), plan_rx.clone(), stop_rx.clone())))
            .collect();
        let deadline = setup + Duration::from_secs(180);
        while (ctx.load_ready.load(Relaxed) as usize) < load_n && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        println!(
            "  background load: {} of {load_n} customers assigned in {:.1} s",
            ctx.load_ready.load(Relaxed),
            setup.elapsed().as_secs_f64()
        );
    }

    // Every burst customer is connected and welcomed before the clock starts.
    let setup = Instant::now();
    let connected: Vec<(usize, Result<Ws, String>)> = futures::stream::iter(0..opts.conversations)
        .map(|i| async move {
            let token = client::customer_token(SECRET, &format!("burst-{i}"));
            (i, client::customer(addr, &token).await)
        })
        .buffer_unordered(CONNECT_CONCURRENCY)
        .collect()
        .await;
    let (go_tx, go_rx) = watch::channel(false);
    let mut customers = Vec::new();
    for (i, result) in connected {
        match result {
            Ok(ws) => {
                customers.push(tokio::spawn(roles::burst_customer(ctx.clone(), i, ws, go_rx.clone(), stop_rx.clone())))
            }
            Err(e) => ctx.problem(format!("burst customer setup: {e}")),
        }
    }
    let n = customers.len();
    println!("  burst customers: {n} of {} connected in {:.1} s", opts.conversations, setup.elapsed().as_secs_f64());

    if load_n > 0 {
        let plan = LoadPlan {
            start: tokio::time::Instant::now(),
            period: Duration::from_secs_f64(load_n as f64 / opts.chat_load),
            customers: load_n,
        };
        let _ = plan_tx.send(Some(plan));
        tokio::time::sleep(LOAD_WARMUP).await;
    } else {
        tokio::time::sleep(SETTLE).await;
    }

    let attached = opts.attach.as_deref().and_then(|cmd| attach(cmd, &pid, round));
    if attached.is_some() {
        tokio::time::sleep(ATTACH_START).await;
    }
    // Peak memory from here on: writing 5 to clear_refs resets VmHWM to the current RSS.
    let peak_is_burst = std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok();
    let daemon_before = ProcStats::read(&pid);
    let threads_before = stats::thread_ticks(&pid);
    let self_before = ProcStats::read("self");

    let t0_wall = time::OffsetDateTime::now_utc();
    let t0 = ctx.now();
    ctx.started.store(true, Relaxed);
    let _ = go_tx.send(true);

    let deadline = Instant::now() + Duration::from_secs_f64(opts.timeout);
    let target = n as u64;
    let complete = loop {
        let done = ctx.acked.load(Relaxed) >= target
            && ctx.agent_assigned.load(Relaxed) >= target
            && (opts.leave_after_ack || ctx.customer_assigned.load(Relaxed) >= target);
        if done {
            break true;
        }
        if Instant::now() >= deadline {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let window_s = (ctx.now() - t0) as f64 / 1e6;
    let daemon_after = ProcStats::read(&pid);
    let threads_after = stats::thread_ticks(&pid);
    let self_after = ProcStats::read("self");
    if let Some(child) = attached {
        detach(child).await;
    }

    let _ = stop_tx.send(true);
    let mut records: Vec<CustomerRecord> = Vec::with_capacity(n);
    for handle in customers {
        if let Ok(r) = handle.await {
            records.push(r);
        }
    }
    let mut agent_records: Vec<AgentRecord> = Vec::new();
    for handle in agents {
        if let Ok(r) = handle.await {
            agent_records.push(r);
        }
    }
    let mut load_records: Vec<LoadRecord> = Vec::new();
    for handle in loaders {
        if let Ok(r) = handle.await {
            load_records.push(r);
        }
    }

    let ticks = stats::clock_ticks_per_second();
    let cpu_s = |before: u64, after: u64| after.saturating_sub(before) as f64 / ticks;
    let problems = ctx.problems.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let burst: HashSet<String> =
        records.iter().filter(|r| !r.conversation.is_empty()).map(|r| r.conversation.clone()).collect();
    let timeline =
        opts.log_level.ne("warn").then(|| timeline::read(&daemon.logs(), t0_wall, &burst)).filter(|t| t.actions > 0);
    let after_t0 = |at: u64| at.saturating_sub(t0) as f64 / 1000.0;

    // The agents' side, by conversation: the first offer and the assignment after t0.
    let mut first_offer: HashMap<&str, u64> = HashMap::new();
    let mut assigned: HashMap<&str, u64> = HashMap::new();
    let mut offers = 0;
    for rec in &agent_records {
        for (c, at) in rec.offers.iter().filter(|(c, at)| *at >= t0 && burst.contains(c)) {
            offers += 1;
            first_offer.entry(c).and_modify(|t| *t = (*t).min(*at)).or_insert(*at);
        }
        for (c, at) in rec.assigned.iter().filter(|(c, at)| *at >= t0 && burst.contains(c)) {
            assigned.entry(c).and_modify(|t| *t = (*t).min(*at)).or_insert(*at);
        }
    }
    let (mut ack, mut offer_s, mut agent_s, mut customer_s) =
        (Samples::default(), Samples::default(), Samples::default(), Samples::default());
    let mut last_send = 0;
    for r in &records {
        let Some(sent) = r.sent else { continue };
        last_send = last_send.max(sent);
        if let Some(at) = r.ack {
            ack.record(at - sent);
        }
        if let Some(at) = r.assigned {
            customer_s.record(at.saturating_sub(sent));
        }
        if let Some(&at) = first_offer.get(r.conversation.as_str()) {
            offer_s.record(at.saturating_sub(sent));
        }
        if let Some(&at) = assigned.get(r.conversation.as_str()) {
            agent_s.record(at.saturating_sub(sent));
        }
    }
    let last = |times: &mut dyn Iterator<Item = u64>| times.max().map_or(f64::NAN, after_t0);
    let load_ack = (!load_records.is_empty()).then(|| {
        let end = t0 + (window_s * 1e6) as u64;
        let mut s = Samples::default();
        for (sent, latency) in load_records.iter().flat_map(|r| &r.acks) {
            if (t0..end).contains(sent) {
                s.record(*latency);
            }
        }
        stats::summarize(s)
    });
    Round {
        customers: n,
        acked: records.iter().filter(|r| r.ack.is_some()).count(),
        assigned_agent: assigned.len(),
        assigned_customer: records.iter().filter(|r| r.assigned.is_some()).count(),
        complete,
        last_send_ms: after_t0(last_send),
        last_ack_ms: last(&mut records.iter().filter_map(|r| r.ack)),
        last_offer_ms: last(&mut first_offer.values().copied()),
        last_assigned_agent_ms: last(&mut assigned.values().copied()),
        last_assigned_customer_ms: last(&mut records.iter().filter_map(|r| r.assigned)),
        ack: stats::summarize(ack),
        first_offer: stats::summarize(offer_s),
        to_assigned_agent: stats::summarize(agent_s),
        to_assigned_customer: stats::summarize(customer_s),
        offers,
        offered: first_offer.len(),
        revoked: agent_records.iter().map(|r| r.revoked).sum(),
        queue_frames: records.iter().map(|r| r.queue_frames).sum(),
        cpu_user_s: cpu_s(daemon_before.user_ticks, daemon_after.user_ticks),
        cpu_system_s: cpu_s(daemon_before.system_ticks, daemon_after.system_ticks),
        window_s,
        generator_cpu_s: cpu_s(
            self_before.user_ticks + self_before.system_ticks,
            self_after.user_ticks + self_after.system_ticks,
        ),
        threads: stats::busiest_threads(&threads_before, &threads_after, window_s, ticks, 6),
        rss_before_mb: daemon_before.rss_mb(),
        peak_rss_mb: daemon_after.hwm_kib as f64 / 1024.0,
        peak_is_burst,
        load_ack,
        timeline,
        problems,
    }
}

/// Starts `--attach`'s command in a process group of its own.
fn attach(command: &str, pid: &str, round: usize) -> Option<tokio::process::Child> {
    let command = command.replace("{pid}", pid).replace("{round}", &round.to_string());
    println!("  attach: {command}");
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c").arg(&command).process_group(0).kill_on_drop(true);
    match cmd.spawn() {
        Ok(child) => Some(child),
        Err(e) => {
            eprintln!("  attach: {command:?} not started: {e}");
            None
        }
    }
}

/// Interrupts the attached command's process group and waits for it to finish writing.
async fn detach(mut child: tokio::process::Child) {
    if let Some(id) = child.id() {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(id as i32), nix::sys::signal::Signal::SIGINT);
    }
    match tokio::time::timeout(ATTACH_EXIT, child.wait()).await {
        Ok(Ok(status)) => println!("  attach: ended ({status})"),
        _ => {
            eprintln!("  attach: did not end within {ATTACH_EXIT:?} of SIGINT; killed");
            let _ = child.kill().await;
        }
    }
}

fn print_round(r: &Round) {
    println!(
        "  burst: {} conversations; {} acked, {} assigned as agents saw it, {} as customers saw it{}",
        r.customers,
        r.acked,
        r.assigned_agent,
        r.assigned_customer,
        if r.complete { "" } else { " (INCOMPLETE: timed out)" }
    );
    println!(
        "  after t0 (ms): last send {:.1}, last ack {:.1}, last first offer {:.1}, last assigned (agents' frames) {:.1}, (customers' frames) {:.1}",
        r.last_send_ms, r.last_ack_ms, r.last_offer_ms, r.last_assigned_agent_ms, r.last_assigned_customer_ms
    );
    println!("{}", stats::table_header());
    println!("{}", stats::table_row("send -> ack", &r.ack));
    println!("{}", stats::table_row("send -> first offer (agent)", &r.first_offer));
    println!("{}", stats::table_row("send -> assigned (agent)", &r.to_assigned_agent));
    println!("{}", stats::table_row("send -> assigned (customer)", &r.to_assigned_customer));
    if let Some(load) = &r.load_ack {
        println!("{}", stats::table_row("background send -> ack", load));
    }
    println!(
        "  offers: {} for {} conversations ({} re-offers), {} revoked; queue frames to burst customers: {} ({:.0} each)",
        r.offers,
        r.offered,
        r.offers.saturating_sub(r.offered),
        r.revoked,
        r.queue_frames,
        r.queue_frames as f64 / r.customers.max(1) as f64
    );
    let cpu = r.cpu_user_s + r.cpu_system_s;
    println!(
        "  daemon: {cpu:.2} s cpu over the {:.2} s burst = {:.0}% of one core (user {:.2} s, system {:.2} s); load generator {:.2} s",
        r.window_s,
        cpu / r.window_s * 100.0,
        r.cpu_user_s,
        r.cpu_system_s,
        r.generator_cpu_s
    );
    let threads: Vec<String> = r.threads.iter().map(|(tid, name, pct)| format!("{name}[{tid}] {pct:.0}%")).collect();
    println!("  busiest daemon threads: {}", threads.join(", "));
    println!(
        "  daemon VmRSS {:.1} MB at t0, peak {:.1} MB {}",
        r.rss_before_mb,
        r.peak_rss_mb,
        if r.peak_is_burst { "during the burst" } else { "since start (peak could not be reset)" }
    );
    if let Some(t) = &r.timeline {
        let stages: Vec<String> = t
            .stages
            .iter()
            .map(|s| format!("{} {} from {:.1} to {:.1}", s.name, s.count, s.first_ms, s.last_ms))
            .collect();
        println!("  daemon log (ms after t0): {}", stages.join("; "));
        println!(
            "  routing task: {} offer/assign actions in {:.1} ms = one per {:.2} ms",
            t.actions,
            t.actions_span_ms,
            t.actions_span_ms / t.actions.max(1) as f64
        );
        println!("{}", stats::table_row("log: Triaged -> Offered", &t.triaged_to_offered));
        println!("{}", stats::table_row("log: Offered -> Assigned", &t.offered_to_assigned));
    }
    if r.problems.is_empty() {
        println!("  errors: none");
    } else {
        println!("  errors:");
        for (what, count) in &r.problems {
            println!("    {count:>7} x {what}");
        }
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| !v.is_nan());
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn print_summary(opts: &Options, rounds: &[Round]) {
    println!();
    println!(
        "summary: {} conversations at once to {} agents (capacity {}), {}; store.synchronous={}",
        opts.conversations,
        opts.agents,
        opts.capacity(),
        if opts.chat_load > 0.0 {
            format!("under {:.0} background chat msg/s", opts.chat_load)
        } else {
            "idle daemon".to_owned()
        },
        opts.synchronous
    );
    type Column = (&'static str, fn(&Round) -> f64);
    let columns: [Column; 11] = [
        ("last assigned (agent) ms", |r| r.last_assigned_agent_ms),
        ("last assigned (customer) ms", |r| r.last_assigned_customer_ms),
        ("last ack ms", |r| r.last_ack_ms),
        ("send->assigned p50 ms", |r| r.to_assigned_agent.p50),
        ("send->assigned p90 ms", |r| r.to_assigned_agent.p90),
        ("send->assigned p99 ms", |r| r.to_assigned_agent.p99),
        ("offers", |r| r.offers as f64),
        ("re-offers", |r| r.offers.saturating_sub(r.offered) as f64),
        ("daemon cpu s", |r| r.cpu_user_s + r.cpu_system_s),
        ("daemon peak RSS MB", |r| r.peak_rss_mb),
        ("background ack p99 ms", |r| r.load_ack.as_ref().map_or(f64::NAN, |s| s.p99)),
    ];
    let mut header = format!("  {:<30}", "");
    for i in 1..=rounds.len() {
        header.push_str(&format!(" {:>10}", format!("round {i}")));
    }
    header.push_str(&format!(" {:>10}", "median"));
    println!("{header}");
    for (name, get) in columns {
        if name.starts_with("background") && opts.chat_load == 0.0 {
            continue;
        }
        let values: Vec<f64> = rounds.iter().map(get).collect();
        let mut line = format!("  {name:<30}");
        for v in &values {
            line.push_str(&format!(" {v:>10.1}"));
        }
        line.push_str(&format!(" {:>10.1}", median(values)));
        println!("{line}");
    }
    let incomplete = rounds.iter().filter(|r| !r.complete).count();
    let last = median(rounds.iter().map(|r| r.last_assigned_agent_ms).collect());
    println!(
        "  target: the last of {} conversations assigned within 1 s of t0: {} (median {:.2} s{})",
        opts.conversations,
        if last < 1000.0 && incomplete == 0 { "MET" } else { "NOT MET" },
        last / 1000.0,
        if incomplete > 0 { format!(", {incomplete} round(s) incomplete") } else { String::new() }
    );
}
