//! Figures: latency percentiles from raw samples, and what /proc says about a process's memory
//! and CPU time.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Latency samples in microseconds.
#[derive(Default)]
pub struct Samples(pub Vec<u32>);

impl Samples {
    pub fn record(&mut self, micros: u64) {
        self.0.push(u32::try_from(micros).unwrap_or(u32::MAX));
    }

    pub fn extend(&mut self, other: Samples) {
        self.0.extend(other.0);
    }
}

/// Percentiles of one latency, in milliseconds.
pub struct Summary {
    pub count: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

pub fn summarize(mut samples: Samples) -> Summary {
    let v = &mut samples.0;
    v.sort_unstable();
    let at = |q: f64| -> f64 {
        if v.is_empty() {
            return f64::NAN;
        }
        // Nearest rank: the smallest sample at or above the q-th fraction of all samples.
        let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
        f64::from(v[rank - 1]) / 1000.0
    };
    Summary { count: v.len(), p50: at(0.50), p90: at(0.90), p99: at(0.99), p999: at(0.999), max: at(1.0) }
}

pub fn table_header() -> String {
    format!(
        "  {:<32} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "latency (ms)", "count", "p50", "p90", "p99", "p99.9", "max"
    )
}

pub fn table_row(name: &str, s: &Summary) -> String {
    let mut line = format!("  {name:<32} {:>9}", s.count);
    for v in [s.p50, s.p90, s.p99, s.p999, s.max] {
        let _ = write!(line, " {v:>9.2}");
    }
    line
}

/// Memory and CPU time of one process.
#[derive(Clone, Copy, Default)]
pub struct ProcStats {
    /// VmRSS: resident memory now, in KiB.
    pub rss_kib: u64,
    /// VmHWM: the most resident memory so far, in KiB.
    pub hwm_kib: u64,
    /// User and system CPU time of all threads, in clock ticks.
    pub user_ticks: u64,
    pub system_ticks: u64,
}

impl ProcStats {
    /// Reads `/proc/PID/status` and `/proc/PID/stat`; `pid` is "self" for this process.
    pub fn read(pid: &str) -> ProcStats {
        let mut stats = ProcStats::default();
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            for line in status.lines() {
                let kib = || line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0);
                if line.starts_with("VmRSS:") {
                    stats.rss_kib = kib();
                } else if line.starts_with("VmHWM:") {
                    stats.hwm_kib = kib();
                }
            }
        }
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            // The command name (field 2) may hold spaces; fields count from after its ')'.
            // utime and stime are fields 14 and 15, so the 12th and 13th after it.
            if let Some((_, rest)) = stat.rsplit_once(')') {
                let fields: Vec<&str> = rest.split_whitespace().collect();
                stats.user_ticks = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0);
                stats.system_ticks = fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
            }
        }
        stats
    }

    pub fn rss_mb(&self) -> f64 {
        self.rss_kib as f64 / 1024.0
    }
}

/// Clock ticks per second of /proc CPU times (USER_HZ, 100 on every common Linux build).
pub fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// CPU use between two readings over `seconds`, as (user, system) percent of one core.
pub fn cpu_percent(before: &ProcStats, after: &ProcStats, seconds: f64, ticks_per_s: f64) -> (f64, f64) {
    let pct = |ticks: u64| ticks as f64 / ticks_per_s / seconds * 100.0;
    (
        pct(after.user_ticks.saturating_sub(before.user_ticks)),
        pct(after.system_ticks.saturating_sub(before.system_ticks)),
    )
}

/// The soft limit on open files of this process.
pub fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// CPU ticks (user + system) of each thread of a process, by thread id, with its name.
pub fn thread_ticks(pid: &str) -> BTreeMap<u32, (String, u64)> {
    let mut threads = BTreeMap::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return threads };
    for entry in dir.flatten() {
        let Ok(tid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let name = stat[open + 1..close].to_owned();
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        threads.insert(tid, (name, tick(11) + tick(12)));
    }
    threads
}

/// The busiest threads between two readings: (thread id, name, percent of one core), busiest
/// first, at most `top` of them.
pub fn busiest_threads(
    before: &BTreeMap<u32, (String, u64)>,
    after: &BTreeMap<u32, (String, u64)>,
    seconds: f64,
    ticks_per_s: f64,
    top: usize,
) -> Vec<(u32, String, f64)> {
    let mut busy: Vec<(u32, String, f64)> = after
        .iter()
        .map(|(tid, (name, ticks))| {
            let earlier = before.get(tid).map_or(0, |(_, t)| *t);
            (*tid, name.clone(), ticks.saturating_sub(earlier) as f64 / ticks_per_s / seconds * 100.0)
        })
        .collect();
    busy.sort_by(|a, b| b.2.total_cmp(&a.2));
    busy.truncate(top);
    busy
}
