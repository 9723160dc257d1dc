//! `systemd/switchboard.service` is a unit systemd accepts without a warning, rates 2.0 or
//! lower on its exposure scale, and agrees with the daemon: its command line parses, its
//! environment is a valid configuration, and it waits longer for a stop than the daemon drains.
//! The systemd-analyze checks are skipped, with a note, where it is not installed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clap::Parser;
use switchboard::cli::{Cli, Command as SubCommand};
use switchboard::config::Config;

const MAX_EXPOSURE: f64 = 2.0;

fn unit_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/switchboard.service")
}

fn unit_text() -> String {
    std::fs::read_to_string(unit_path()).expect("the unit file is readable")
}

/// Every value of `Key=` lines in the unit, in order.
fn values(key: &str) -> Vec<String> {
    let prefix = format!("{key}=");
    unit_text().lines().filter_map(|line| line.trim().strip_prefix(&prefix).map(str::to_owned)).collect()
}

fn value(key: &str) -> String {
    let found = values(key);
    assert_eq!(found.len(), 1, "{key}= should appear once in the unit: {found:?}");
    found.into_iter().next().expect("one value")
}

/// Runs systemd-analyze, or says why the check is skipped and returns `None`.
fn systemd_analyze(args: &[&str]) -> Option<Output> {
    match Command::new("systemd-analyze").args(args).output() {
        Ok(output) => Some(output),
        Err(e) => {
            // Straight to stderr, past the test harness's capture, so the skip is seen.
            let _ = writeln!(
                std::io::stderr(),
                "note: skipping systemd-analyze {}: it cannot be run ({e}); scripts/test installs \
                 the systemd package when run as root",
                args.first().copied().unwrap_or_default()
            );
            None
        }
    }
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn the_unit_rates_2_0_or_lower_on_systemd_exposure() {
    let unit = unit_path();
    let Some(output) =
        systemd_analyze(&["security", "--offline=true", "--no-pager", unit.to_str().expect("a UTF-8 path")])
    else {
        return;
    };
    let report = text(&output);
    assert!(output.status.success(), "systemd-analyze security failed:\n{report}");
    // `→ Overall exposure level for switchboard.service: 1.1 OK 🙂`
    let score: f64 = report
        .lines()
        .find_map(|line| line.split_once("Overall exposure level for switchboard.service: "))
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no overall exposure level in:\n{report}"));
    assert!(score <= MAX_EXPOSURE, "exposure {score} is above {MAX_EXPOSURE}:\n{report}");
}

#[test]
fn systemd_verifies_the_unit_without_a_warning() {
    // verify wants ExecStart's binary to exist and the units it is ordered against to be
    // known, so it runs against a scratch root holding the unit, a stand-in binary and the
    // host's targets, instead of the host itself.
    let root = tempfile::tempdir().expect("temporary directory");
    let units = root.path().join("etc/systemd/system");
    let bin = root.path().join("usr/local/bin");
    let targets = root.path().join("usr/lib/systemd/system");
    for dir in [&units, &bin, &targets] {
        std::fs::create_dir_all(dir).expect("scratch root");
    }
    let binary = bin.join("switchboard");
    std::fs::write(&binary, "#!/bin/sh\n").expect("stand-in binary");
    let mut permissions = std::fs::metadata(&binary).expect("metadata").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&binary, permissions).expect("chmod");
    let installed = units.join("switchboard.service");
    std::fs::copy(unit_path(), &installed).expect("unit copied");
    if let Ok(entries) = std::fs::read_dir("/usr/lib/systemd/system") {
        for entry in entries.flatten() {
            let name = entry.file_name();
            if name.to_string_lossy().ends_with(".target") {
                let _ = std::fs::copy(entry.path(), targets.join(&name));
            }
        }
    }

    let root_arg = format!("--root={}", root.path().display());
    let Some(output) = systemd_analyze(&[
        "verify",
        &root_arg,
        "--man=no",
        "--generators=no",
        installed.to_str().expect("a UTF-8 path"),
    ]) else {
        return;
    };
    let report = text(&output);
    assert!(
        output.status.success() && report.trim().is_empty(),
        "systemd-analyze verify ({}) is not clean:\n{report}",
        output.status
    );
}

#[test]
fn the_units_command_line_is_one_the_daemon_accepts() {
    let exec = value("ExecStart");
    let args: Vec<&str> = exec.split_whitespace().collect();
    assert_eq!(args[0], "/usr/local/bin/switchboard");
    let cli = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("{exec}: {e}"));
    assert!(matches!(cli.command, Some(SubCommand::Run)), "{exec} runs the daemon");
    assert_eq!(cli.config.as_deref(), Some(Path::new("/etc/switchboard/switchboard.toml")));
}

#[test]
fn the_units_environment_is_a_valid_configuration() {
    let env: Vec<(String, String)> = values("Environment")
        .iter()
        .map(|assignment| {
            let (key, value) =
                assignment.split_once('=').unwrap_or_else(|| panic!("Environment={assignment} is not KEY=VALUE"));
            (key.to_owned(), value.to_owned())
        })
        .collect();
    let config = Config::load_with_env(None, env).unwrap_or_else(|e| panic!("{e}"));
    // The database lives in the state directory systemd creates for the service.
    assert_eq!(value("StateDirectory"), "switchboard");
    assert_eq!(config.store.url, "sqlite:///var/lib/switchboard/switchboard.db");
}

#[test]
fn systemd_waits_longer_for_a_stop_than_the_daemon_drains() {
    let config = Config::load_with_env(None, Vec::new()).expect("the defaults load");
    let timeout = value("TimeoutStopSec");
    let timeout: u64 = timeout
        .strip_suffix('s')
        .unwrap_or(&timeout)
        .parse()
        .unwrap_or_else(|_| panic!("TimeoutStopSec={timeout} is not a number of seconds"));
    assert!(
        timeout > config.http.shutdown_drain_s,
        "TimeoutStopSec={timeout}s would kill the daemon before its {}s drain ends",
        config.http.shutdown_drain_s
    );
}
