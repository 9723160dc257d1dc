//! Ingest benchmark of the email channel: how many mails per second the real daemon takes from
//! an IMAP mailbox to committed, triaged conversations, next to how fast the same server sends
//! the same mailbox to the simplest possible client (`UID FETCH 1:* (BODY.PEEK[])` over a plain
//! socket), on the same machine in the same run. The product aims at 3,000 mail/s.
//!
//! ```text
//! cargo bench --bench email_ingest                      # 5,000 mails, the daemon's batch of 500
//! cargo bench --bench email_ingest -- --mails 20000 --batch 1000
//! EMAIL_INGEST_BATCH=100 cargo bench --bench email_ingest
//! ```
//!
//! Every option is `--name VALUE` after `--`, or the environment variable `EMAIL_INGEST_NAME`;
//! `--help` lists them. It needs Dovecot and Postfix's smtp-sink and root (for Dovecot), like
//! the email tests; without them it says so and stops.
//!
//! How it times: a private Dovecot holds one primer mail; the daemon (the release binary,
//! durable commits, default settings but the batch) starts on it, and once the primer is
//! committed the daemon is logged in, has selected INBOX and waits in IDLE. Then the whole
//! corpus is appended in one MULTIAPPEND, which Dovecot stores in one transaction: no mail is
//! visible before its tagged OK and every mail is right after it, so the daemon cannot start
//! early and the append's own work is not in the figure. The clock starts at that OK, and the
//! database is read every 20 ms until every mail is committed:
//!
//! - "OK to last commit" (the headline) is everything the daemon does for new mail, as a
//!   customer waiting for an agent sees it: the IDLE wake-up, search, every batch's fetch,
//!   parse, triage and commit, and flagging the batch `\Seen`;
//! - "first to last commit" leaves out the pipeline filling (the first batch's fetch, parse
//!   and commit): the steady rate, from the mails committed after the first commit was seen.
//!
//! The raw rate is measured after the ingest with the daemon stopped, so the two never share
//! the machine: a warm-up fetch, then the best of `--raw-runs`. Both read mail the page cache
//! holds, as it does for mail just delivered.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "email_ingest/corpus.rs"]
mod corpus;
mod options;
// Shared with chat_load, which uses the rest of it.
#[allow(dead_code)]
#[path = "chat_load/stats.rs"]
mod stats;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use switchboard_mailservers::{Dovecot, FetchedBodies, SinkMode, SmtpSink};

use common::Daemon;
use corpus::SUPPORT;
use stats::ProcStats;

/// The key the fixtures' plus addresses and Message-IDs are signed with
/// (`channels/email/tests/fixtures/generate.py`), so the replies among them carry tokens that
/// verify, as replies to our own mail do.
const THREAD_SECRET: &str = "fixture-secret-not-for-production";
/// How often the database is read while the mail goes in: the timing's resolution.
const POLL: Duration = Duration::from_millis(20);
/// Longest the daemon may take from its start to the primer committed.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// The product's target.
const TARGET: f64 = 3_000.0;

#[derive(Debug)]
struct Options {
    /// Mails in the corpus, the primer not counted.
    mails: usize,
    /// `imap.batch` of the mailbox: mails fetched and committed per round.
    batch: u32,
    /// Measured raw fetches, after one warm-up.
    raw_runs: usize,
    /// Longest the ingest may take before the run reports what it got.
    timeout: f64,
    /// `log.level` of the daemon.
    log_level: String,
    /// Where the daemon's log is written at the end, to see where the time went.
    log_file: Option<String>,
}

const HELP: &str = "email_ingest options (--name VALUE after `--`, or EMAIL_INGEST_NAME=VALUE):
  --mails N       mails in the mailbox, at least 1 (5000)
  --batch N       imap.batch: mails fetched and committed per round (500, the daemon's default)
  --raw-runs N    measured raw UID FETCH runs after a warm-up; the best counts (3)
  --timeout S     seconds the ingest may take before the run gives up waiting (300)
  --log-level L   log.level of the daemon (info)
  --log-file P    write the daemon's log (JSON lines) to P at the end (not written)";

impl Options {
    fn parse() -> Result<Options, String> {
        let mut o =
            Options { mails: 5_000, batch: 500, raw_runs: 3, timeout: 300.0, log_level: "info".into(), log_file: None };
        let values = options::given("EMAIL_INGEST_", HELP)?;
        for (name, value) in values {
            let bad = |e: &dyn std::fmt::Display| format!("--{name} {value:?}: {e}");
            match name.as_str() {
                "mails" => o.mails = value.parse().map_err(|e| bad(&e))?,
                "batch" => o.batch = value.parse().map_err(|e| bad(&e))?,
                "raw-runs" => o.raw_runs = value.parse().map_err(|e| bad(&e))?,
                "timeout" => o.timeout = value.parse().map_err(|e| bad(&e))?,
                "log-level" => o.log_level = value,
                "log-file" => o.log_file = Some(value),
                _ => return Err(format!("unknown option --{name}\n{HELP}")),
            }
        }
        if o.mails == 0 || o.batch == 0 || o.raw_runs == 0 || !(o.timeout.is_finite() && o.timeout > 0.0) {
            return Err(format!("mails, batch, raw-runs and timeout must be positive\n{HELP}"));
        }
        Ok(o)
    }
}

fn main() {
    let opts = options::or_exit(Options::parse());
    // One thread is plenty: the bench mostly waits, and every core it leaves is the daemon's
    // and Dovecot's.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    if let Err(e) = runtime.block_on(run(opts)) {
        eprintln!("email_ingest: {e}");
        std::process::exit(1);
    }
}

async fn run(opts: Options) -> Result<(), String> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned()))
        })
        .unwrap_or_else(|| "unknown cpu".into());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    println!("email_ingest: {cpus} cpus ({model}), load average {}", load.join(" "));

    let corpus = corpus::build(opts.mails).map_err(|e| format!("the corpus: {e}"))?;
    println!("corpus: {} mails, {:.1} MB", corpus.mails.len(), corpus.bytes() as f64 / 1e6);
    for (what, n) in &corpus.mix {
        println!("  {n:>6}  {what}");
    }

    let Some(dovecot) = Dovecot::start().map_err(|e| format!("Dovecot: {e}"))? else { return Ok(()) };
    let Some(sink) = SmtpSink::start(SinkMode::Accept).map_err(|e| format!("smtp-sink: {e}"))? else { return Ok(()) };
    dovecot.append("INBOX", &primer()).map_err(|e| format!("the primer: {e}"))?;
    let daemon = Daemon::builder()
        .config_toml(config(&dovecot, sink.port(), opts.batch))
        .env("SWITCHBOARD__LOG__LEVEL", &opts.log_level)
        .start()
        .await;
    let pid = daemon.pid().to_string();
    let db = Db::open(&daemon)?;
    let ready = Instant::now();
    while db.progress()? < 1 {
        if ready.elapsed() > READY_TIMEOUT {
            return Err(format!(
                "the primer was not committed within {READY_TIMEOUT:?}; the daemon logged:\n{}",
                daemon.logs()
            ));
        }
        tokio::time::sleep(POLL).await;
    }
    // Time to flag the primer `\Seen` and go back to IDLE, where new mail finds it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!(
        "daemon: pid {pid}, imap.batch={}, log.level={}, store.synchronous=full (default); primer committed {:.2} s after its start",
        opts.batch,
        opts.log_level,
        ready.elapsed().as_secs_f64()
    );

    let mut appender = imap_session(&dovecot)?;
    let appending = Instant::now();
    appender.multiappend("INBOX", &corpus.mails).map_err(|e| format!("the append: {e}"))?;
    let t0 = Instant::now();
    let daemon_before = ProcStats::read(&pid);
    let self_before = ProcStats::read("self");
    let threads_before = stats::thread_ticks(&pid);
    let imap_before = imap_ticks(&dovecot);
    let append_s = t0.duration_since(appending).as_secs_f64();
    appender.logout().map_err(|e| format!("IMAP logout: {e}"))?;
    let early = db.counts()?.inbound - 1;

    // Every mail and the primer end up stored or quarantined; nothing here is dropped.
    let expected = opts.mails as i64 + 1;
    let deadline = t0 + Duration::from_secs_f64(opts.timeout);
    let mut first: Option<(Instant, i64)> = None;
    let mut next_note = t0 + Duration::from_secs(1);
    let (done_at, done) = loop {
        let now = Instant::now();
        let stored = db.progress()?;
        if first.is_none() && stored > 1 {
            first = Some((now, stored));
        }
        if now > deadline {
            break (now, db.counts()?);
        }
        if stored >= expected {
            // The cheap reading may count a message that is no customer mail (a safety
            // notice); the exact one decides.
            let counts = db.counts()?;
            if counts.inbound + counts.quarantined >= expected {
                break (now, counts);
            }
        }
        if now >= next_note {
            eprintln!("  .. {:>5.1} s: {} of {} mails stored", (now - t0).as_secs_f64(), stored - 1, opts.mails);
            next_note += Duration::from_secs(1);
        }
        tokio::time::sleep(POLL).await;
    };
    let daemon_after = ProcStats::read(&pid);
    let self_after = ProcStats::read("self");
    let threads_after = stats::thread_ticks(&pid);
    let imap_after = imap_ticks(&dovecot);
    let ingest_s = (done_at - t0).as_secs_f64();
    let committed = done.inbound - 1;
    let ingest_rate = committed as f64 / ingest_s;
    let (first_s, steady_rate) = match first {
        Some((at, n)) if done_at > at => {
            ((at - t0).as_secs_f64(), (done.inbound + done.quarantined - n) as f64 / (done_at - at).as_secs_f64())
        }
        Some((at, _)) => ((at - t0).as_secs_f64(), f64::NAN),
        None => (f64::NAN, f64::NAN),
    };

    println!();
    println!(
        "append: {} mails in one MULTIAPPEND in {append_s:.2} s ({:.0} mail/s); committed before its OK: {early}",
        opts.mails,
        opts.mails as f64 / append_s
    );
    let complete = if done.inbound + done.quarantined >= expected { "" } else { " (TIMED OUT)" };
    println!(
        "ingest: {committed} of {} mails committed in {ingest_s:.2} s{complete}, {} quarantined",
        opts.mails, done.quarantined
    );
    println!("  OK to last commit:     {ingest_rate:>7.0} mail/s");
    println!("  first to last commit:  {steady_rate:>7.0} mail/s (first commit {:.0} ms after the OK)", first_s * 1e3);
    println!(
        "  conversations: {} email, {} triaged ({:.2} mails each); {} outbound messages (safety notices)",
        done.conversations,
        done.triaged,
        done.inbound as f64 / done.conversations.max(1) as f64,
        done.outbound
    );
    let ticks = stats::clock_ticks_per_second();
    let cpu_s = |before: &ProcStats, after: &ProcStats| {
        (after.user_ticks + after.system_ticks).saturating_sub(before.user_ticks + before.system_ticks) as f64 / ticks
    };
    let daemon_cpu = cpu_s(&daemon_before, &daemon_after);
    let imap_cpu: u64 =
        imap_after.iter().map(|(p, t)| t.saturating_sub(imap_before.get(p).copied().unwrap_or(0))).sum();
    let imap_cpu = imap_cpu as f64 / ticks;
    let self_cpu = cpu_s(&self_before, &self_after);
    println!(
        "  cpu: daemon {daemon_cpu:.2} s ({:.0}% of one core; user {:.2} s, system {:.2} s), Dovecot imap {imap_cpu:.2} s ({:.0}%), this bench {self_cpu:.2} s",
        daemon_cpu / ingest_s * 100.0,
        daemon_after.user_ticks.saturating_sub(daemon_before.user_ticks) as f64 / ticks,
        daemon_after.system_ticks.saturating_sub(daemon_before.system_ticks) as f64 / ticks,
        imap_cpu / ingest_s * 100.0
    );
    let busiest = stats::busiest_threads(&threads_before, &threads_after, ingest_s, ticks, 5);
    let listed: Vec<String> = busiest.iter().map(|(tid, name, pct)| format!("{name}[{tid}] {pct:.0}%")).collect();
    println!("  busiest daemon threads: {}", listed.join(", "));
    println!(
        "  daemon memory: VmRSS {:.1} MB at the end, {:.1} MB peak (VmHWM, over its life)",
        daemon_after.rss_mb(),
        daemon_after.hwm_kib as f64 / 1024.0
    );
    let logs = daemon.logs();
    let warnings = logs.lines().filter(|l| l.contains(r#""level":"WARN""#)).count();
    let errors = logs.lines().filter(|l| l.contains(r#""level":"ERROR""#)).count();
    println!("  daemon log: {warnings} warnings, {errors} errors");
    if warnings + errors > 0 {
        for line in logs.lines().filter(|l| l.contains(r#""level":"WARN""#) || l.contains(r#""level":"ERROR""#)).take(5)
        {
            println!("    {line}");
        }
    }
    if let Some(path) = &opts.log_file {
        std::fs::write(path, &logs).map_err(|e| format!("{path}: {e}"))?;
        println!("  daemon log written to {path}");
    }
    // The raw fetch gets the machine to itself.
    drop(db);
    drop(daemon);

    let mut raw = imap_session(&dovecot)?;
    raw.examine("INBOX").map_err(|e| format!("EXAMINE: {e}"))?;
    let warm = timed_fetch(&mut raw).map_err(|e| format!("the warm-up fetch: {e}"))?;
    let mut runs = Vec::new();
    for _ in 0..opts.raw_runs {
        runs.push(timed_fetch(&mut raw).map_err(|e| format!("the raw fetch: {e}"))?);
    }
    raw.logout().map_err(|e| format!("IMAP logout: {e}"))?;
    let best = runs
        .iter()
        .max_by(|a, b| (a.bodies.mails as f64 / a.seconds).total_cmp(&(b.bodies.mails as f64 / b.seconds)))
        .expect("at least one run");
    let raw_rate = best.bodies.mails as f64 / best.seconds;
    let each: Vec<String> = runs.iter().map(|r| format!("{:.0}", r.bodies.mails as f64 / r.seconds)).collect();
    println!();
    println!(
        "raw UID FETCH 1:* (BODY.PEEK[]): {} mails, {:.1} MB of bodies ({:.1} MB on the wire) in {:.3} s (best of {}; warm-up {:.3} s)",
        best.bodies.mails,
        best.bodies.body_bytes as f64 / 1e6,
        best.bodies.wire_bytes as f64 / 1e6,
        best.seconds,
        runs.len(),
        warm.seconds
    );
    println!(
        "  {raw_rate:.0} mail/s, {:.1} MB/s (runs: {} mail/s)",
        best.bodies.body_bytes as f64 / 1e6 / best.seconds,
        each.join(", ")
    );

    println!();
    println!(
        "result: daemon {ingest_rate:.0} mail/s (OK to last commit), {steady_rate:.0} mail/s steady; raw fetch {raw_rate:.0} mail/s; ratio {:.3} ({:.3} steady)",
        ingest_rate / raw_rate,
        steady_rate / raw_rate
    );
    println!(
        "target: at least {TARGET:.0} mail/s from IMAP to committed, triaged conversations: {} ({ingest_rate:.0} mail/s, batch {})",
        if ingest_rate >= TARGET && complete.is_empty() { "MET" } else { "NOT MET" },
        opts.batch
    );
    Ok(())
}

/// A logged-in IMAP session of the harness's own client, with reads allowed to take as long
/// as Dovecot needs to store or send a mailbox of hundreds of MB.
fn imap_session(dovecot: &Dovecot) -> Result<switchboard_mailservers::ImapClient, String> {
    let client = dovecot.connect().map_err(|e| format!("IMAP login: {e}"))?;
    client.set_read_timeout(Some(Duration::from_secs(300))).map_err(|e| format!("IMAP: {e}"))?;
    Ok(client)
}

/// One raw fetch of the whole folder, timed from its first byte sent to its tagged OK.
struct Fetched {
    bodies: FetchedBodies,
    seconds: f64,
}

fn timed_fetch(client: &mut switchboard_mailservers::ImapClient) -> std::io::Result<Fetched> {
    let started = Instant::now();
    let bodies = client.fetch_all_bodies()?;
    Ok(Fetched { bodies, seconds: started.elapsed().as_secs_f64() })
}

/// The mailbox's configuration, at the fixtures' address and with the daemon's default waits.
fn config(dovecot: &Dovecot, smtp_port: u16, batch: u32) -> String {
    common::MailboxToml {
        address: SUPPORT,
        thread_secret: THREAD_SECRET,
        imap_port: dovecot.port(),
        username: dovecot.username(),
        password: dovecot.password(),
        smtp_port,
        imap_extra: &format!("batch = {batch}"),
        smtp_extra: "",
    }
    .render()
}

/// The mail that shows the daemon logged in and reading before the corpus goes in.
fn primer() -> Vec<u8> {
    format!(
        "From: Primer <primer@bench.example>\r\nTo: {SUPPORT}\r\nSubject: How do I top up?\r\n\
         Message-ID: <primer@bench.example>\r\nDate: 1 Mar 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nHello, how do I top up my wallet?\r\n"
    )
    .into_bytes()
}

/// The daemon's database, read-only beside it.
struct Db(rusqlite::Connection);

#[derive(Clone, Copy)]
struct Counts {
    inbound: i64,
    outbound: i64,
    conversations: i64,
    triaged: i64,
    quarantined: i64,
}

impl Db {
    fn open(daemon: &Daemon) -> Result<Db, String> {
        let conn = rusqlite::Connection::open_with_flags(daemon.db_path(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| format!("the database: {e}"))?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(|e| format!("the database: {e}"))?;
        Ok(Db(conn))
    }

    /// Messages and quarantined mails stored so far, of any kind: two b-tree lookups (rows
    /// are never deleted here, so the highest rowid is the count), where exact counts scan
    /// tables that would cost this bench a good part of a core at 50 readings a second.
    fn progress(&self) -> Result<i64, String> {
        self.0
            .query_row(
                "SELECT (SELECT ifnull(max(rowid), 0) FROM messages) + (SELECT ifnull(max(id), 0) FROM quarantine)",
                [],
                |r| r.get(0),
            )
            .map_err(|e| format!("reading the progress: {e}"))
    }

    fn counts(&self) -> Result<Counts, String> {
        // One statement, so all the counts come from the same snapshot.
        self.0
            .query_row(
                "SELECT \
                   (SELECT count(*) FROM messages WHERE channel = 'email' AND direction = 'inbound'), \
                   (SELECT count(*) FROM messages WHERE channel = 'email' AND direction = 'outbound'), \
                   (SELECT count(*) FROM conversations WHERE channel = 'email'), \
                   (SELECT count(*) FROM conversations WHERE channel = 'email' AND category IS NOT NULL), \
                   (SELECT count(*) FROM quarantine)",
                [],
                |r| {
                    Ok(Counts {
                        inbound: r.get(0)?,
                        outbound: r.get(1)?,
                        conversations: r.get(2)?,
                        triaged: r.get(3)?,
                        quarantined: r.get(4)?,
                    })
                },
            )
            .map_err(|e| format!("reading the counts: {e}"))
    }
}

/// CPU ticks of each `imap` process of this Dovecot (one per session, children of the master
/// started with this server's config file), by pid.
fn imap_ticks(dovecot: &Dovecot) -> BTreeMap<String, u64> {
    let conf = dovecot.dir().join("dovecot.conf").display().to_string();
    let mut processes = Vec::new();
    let mut master = None;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let comm = stat[open + 1..close].to_owned();
        let ppid = stat[close + 1..].split_whitespace().nth(1).unwrap_or_default().to_owned();
        if comm == "dovecot"
            && std::fs::read(entry.path().join("cmdline"))
                .is_ok_and(|c| c.split(|&b| b == 0).any(|a| a == conf.as_bytes()))
        {
            master = Some(pid.clone());
        }
        processes.push((pid, ppid, comm));
    }
    processes
        .into_iter()
        .filter(|(_, ppid, comm)| comm == "imap" && Some(ppid) == master.as_ref())
        .map(|(pid, _, _)| {
            let s = ProcStats::read(&pid);
            (pid, s.user_ticks + s.system_ticks)
        })
        .collect()
}
