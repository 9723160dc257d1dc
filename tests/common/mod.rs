//! The end-to-end test harness: runs the real `switchboard` binary as a child process in a
//! private temporary directory, on a port the kernel picks, with JSON logs captured so tests
//! can read them, and stops it when the test ends.
//!
//! ```ignore
//! let mut daemon = Daemon::builder().env("SWITCHBOARD__CHAT__JWT_SECRET", SECRET).start().await;
//! let health = reqwest::get(format!("{}/healthz", daemon.base_url())).await?;
//! daemon.kill9();
//! daemon.restart().await; // same data directory, new port
//! ```

// Every test binary compiles this module and each uses a different part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;

/// How long a daemon may take from spawn to its `Listening` log line.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `terminate` waits for the process to exit after SIGTERM before failing the test.
const EXIT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a command-line call (`agent add`, …) may take.
const CLI_TIMEOUT: Duration = Duration::from_secs(60);
/// The database file inside the data directory.
const DB_FILE: &str = "switchboard.db";
/// How many of the daemon's last log lines a failing test prints.
const LOG_LINES_ON_FAILURE: usize = 200;
/// Where `config_toml` writes its text inside the data directory.
const CONFIG_FILE: &str = "switchboard.toml";

/// Everything captured from the daemon's stdout and stderr, across restarts, one line each.
type LogBuffer = Arc<Mutex<String>>;

/// What to start a [`Daemon`] with.
#[derive(Default)]
pub struct DaemonBuilder {
    env: Vec<(String, String)>,
    config_text: Option<String>,
    config_file: Option<PathBuf>,
}

impl DaemonBuilder {
    /// An extra environment variable (`SWITCHBOARD__SECTION__KEY` overrides, `RUST_LOG`);
    /// it wins over the harness's own settings.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// A configuration file with this TOML text, written into the data directory and passed
    /// with `--config`.
    pub fn config_toml(mut self, text: impl Into<String>) -> Self {
        self.config_text = Some(text.into());
        self
    }

    /// An existing configuration file passed with `--config`; a relative path is taken from
    /// the test's working directory (the package root under `cargo test`).
    pub fn config_file(mut self, path: impl AsRef<Path>) -> Self {
        let path = std::path::absolute(path.as_ref()).expect("the config path can be made absolute");
        self.config_file = Some(path);
        self
    }

    /// Starts the daemon and waits until it listens.
    pub async fn start(self) -> Daemon {
        let dir = tempfile::Builder::new()
            .prefix("switchboard-test-")
            .tempdir()
            .expect("a temporary data directory can be created");
        let config = match (self.config_text, self.config_file) {
            (Some(text), _) => {
                let path = dir.path().join(CONFIG_FILE);
                std::fs::write(&path, text).expect("the config file can be written");
                Some(path)
            }
            (None, file) => file,
        };
        let store_url = format!("sqlite://{}", dir.path().join(DB_FILE).display());
        // The harness's settings first, so the test's own can override them.
        let mut env = vec![
            ("SWITCHBOARD__HTTP__LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
            ("SWITCHBOARD__LOG__FORMAT".to_owned(), "json".to_owned()),
            // The harness finds the port in the `Listening` line, an info line.
            ("SWITCHBOARD__LOG__LEVEL".to_owned(), "info".to_owned()),
            ("SWITCHBOARD__STORE__URL".to_owned(), store_url),
        ];
        env.extend(self.env);
        let mut daemon = Daemon {
            dir,
            env,
            config,
            process: None,
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            logs: LogBuffer::default(),
        };
        daemon.spawn().await;
        daemon
    }
}

/// A running (or stopped) `switchboard run` child process and its data directory.
pub struct Daemon {
    /// The data directory: the working directory of every process, and the database's home.
    /// Removed when the daemon is dropped.
    dir: TempDir,
    /// The environment every process gets, harness settings first.
    env: Vec<(String, String)>,
    /// The `--config` file, if any.
    config: Option<PathBuf>,
    /// The current process; `None` after `kill9` or `terminate`.
    process: Option<Running>,
    /// Where the current (or last) process listens.
    address: SocketAddr,
    logs: LogBuffer,
}

struct Running {
    child: Child,
    /// The threads copying stdout and stderr into the log buffer; they end at EOF.
    readers: Vec<JoinHandle<()>>,
}

impl Daemon {
    /// A daemon with the harness's settings and nothing else.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    pub fn builder() -> DaemonBuilder {
        DaemonBuilder::default()
    }

    /// `http://127.0.0.1:PORT` of the current process. The port changes on `restart`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The address the current process listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The SQLite database file.
    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join(DB_FILE)
    }

    /// Every line the daemon wrote to stdout and stderr so far, across restarts.
    pub fn logs(&self) -> String {
        self.logs.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// The process id of the current process.
    pub fn pid(&self) -> u32 {
        self.running().child.id()
    }

    /// Kills the process with SIGKILL, as a crash or the OOM killer would, and reaps it.
    pub fn kill9(&mut self) {
        let mut running = self.process.take().expect("kill9: the daemon is not running");
        running.child.kill().expect("SIGKILL can be sent");
        running.child.wait().expect("the killed daemon can be reaped");
        running.join_readers();
    }

    /// Sends SIGTERM and waits for the process to exit; returns its exit status and how long
    /// it took from the signal to the exit.
    pub async fn terminate(&mut self) -> (ExitStatus, Duration) {
        let mut running = self.process.take().expect("terminate: the daemon is not running");
        let pid = Pid::from_raw(running.child.id() as i32);
        let signalled = Instant::now();
        kill(pid, Signal::SIGTERM).expect("SIGTERM can be sent");
        let status = loop {
            if let Some(status) = running.child.try_wait().expect("the daemon can be waited for") {
                break status;
            }
            if signalled.elapsed() > EXIT_TIMEOUT {
                // Put it back so dropping the daemon kills it.
                self.process = Some(running);
                panic!("the daemon did not exit within {EXIT_TIMEOUT:?} of SIGTERM; it logged:\n{}", self.logs());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        let elapsed = signalled.elapsed();
        running.join_readers();
        (status, elapsed)
    }

    /// Starts a new process on the same data directory and configuration, after `kill9` or
    /// `terminate`, and waits until it listens (on a new port: see `base_url`).
    pub async fn restart(&mut self) {
        assert!(
            self.process.is_none(),
            "restart: the daemon is still running; stop it with kill9() or terminate() first"
        );
        self.spawn().await;
    }

    /// Runs `switchboard ARGS…` with the daemon's environment and configuration, `stdin` on
    /// its standard input, and returns what it did.
    pub async fn cli(&self, args: &[&str], stdin: &str) -> Output {
        let mut command = tokio::process::Command::from(self.command(args));
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
        let mut child = command.spawn().expect("the switchboard binary can be started");
        let mut input = child.stdin.take().expect("stdin is piped");
        input.write_all(stdin.as_bytes()).await.expect("the command's stdin can be written");
        drop(input);
        tokio::time::timeout(CLI_TIMEOUT, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("switchboard {args:?} did not finish within {CLI_TIMEOUT:?}"))
            .expect("the command can be waited for")
    }

    /// Creates an agent with `switchboard agent add` and returns its id. Fails the test if the
    /// command fails.
    pub async fn agent_add(
        &self,
        login: &str,
        name: &str,
        skills: &[&str],
        supervisor: bool,
        password: &str,
    ) -> String {
        let skills = skills.join(",");
        let mut args = vec!["agent", "add", login, "--name", name];
        if !skills.is_empty() {
            args.extend(["--skills", &skills]);
        }
        if supervisor {
            args.push("--supervisor");
        }
        let output = self.cli(&args, &format!("{password}\n")).await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "switchboard {args:?} failed ({}): {}{stdout}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        // `added agent LOGIN (ID)`
        stdout
            .rsplit_once('(')
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(id, _)| id.to_owned())
            .unwrap_or_else(|| panic!("no agent id in the output of agent add: {stdout:?}"))
    }

    fn running(&self) -> &Running {
        self.process.as_ref().expect("the daemon is not running")
    }

    /// The `switchboard` command with the daemon's environment, working directory and
    /// configuration file.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        command.current_dir(self.dir.path());
        // Nothing of the test process's own environment may steer the daemon: a developer's
        // RUST_LOG could hide the `Listening` line, SWITCHBOARD__* could point it at another
        // database, and NOTIFY_SOCKET would make it notify the test's own service manager.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("SWITCHBOARD__") {
                command.env_remove(&key);
            }
        }
        for key in ["RUST_LOG", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            command.env_remove(key);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        if let Some(config) = &self.config {
            command.arg("--config").arg(config);
        }
        command.args(args);
        command
    }

    /// Starts `switchboard run` and waits for its `Listening` line.
    async fn spawn(&mut self) {
        let mut child = self
            .command(&["run"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the switchboard binary can be started");
        let (listening, address) = oneshot::channel();
        let stderr = child.stderr.take().expect("stderr is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let readers =
            vec![copy_lines(stderr, self.logs.clone(), Some(listening)), copy_lines(stdout, self.logs.clone(), None)];
        self.process = Some(Running { child, readers });
        match tokio::time::timeout(STARTUP_TIMEOUT, address).await {
            Ok(Ok(address)) => self.address = address,
            Ok(Err(_)) => {
                // stderr closed without a `Listening` line: the process exited.
                let mut running = self.process.take().expect("the process was just stored");
                let status = running.child.wait().expect("the daemon can be waited for");
                running.join_readers();
                panic!("the daemon exited ({status}) before it listened; it logged:\n{}", self.logs());
            }
            Err(_) => {
                panic!("the daemon did not log \"Listening\" within {STARTUP_TIMEOUT:?}; it logged:\n{}", self.logs())
            }
        }
    }
}

impl Running {
    /// Waits for the reader threads, so every line the process wrote is in the buffer.
    fn join_readers(&mut self) {
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut running) = self.process.take() {
            let _ = running.child.kill();
            let _ = running.child.wait();
            running.join_readers();
        }
        // A failing test shows what the daemon said before it failed; passing tests stay quiet.
        if std::thread::panicking() {
            let logs = self.logs();
            let lines: Vec<&str> = logs.lines().collect();
            let shown = &lines[lines.len().saturating_sub(LOG_LINES_ON_FAILURE)..];
            eprintln!("--- the daemon's last {} log lines ---\n{}\n---", shown.len(), shown.join("\n"));
        }
    }
}

/// Copies a pipe into the log buffer line by line on a thread of its own (so a chatty daemon
/// never blocks on a full pipe), and reports the address of the first `Listening` line.
fn copy_lines(
    pipe: impl Read + Send + 'static,
    logs: LogBuffer,
    mut listening: Option<oneshot::Sender<SocketAddr>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut raw = Vec::new();
        loop {
            raw.clear();
            match reader.read_until(b'\n', &mut raw) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\r', '\n']);
            {
                let mut logs = logs.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                logs.push_str(line);
                logs.push('\n');
            }
            // After the line is in the buffer, so a test that starts reading logs at once
            // finds it there.
            if let Some(address) = listening.is_some().then(|| listening_address(line)).flatten()
                && let Some(tx) = listening.take()
            {
                let _ = tx.send(address);
            }
        }
    })
}

/// The `address` of a JSON `Listening` log line.
fn listening_address(line: &str) -> Option<SocketAddr> {
    let entry: serde_json::Value = serde_json::from_str(line).ok()?;
    if entry.get("message")?.as_str()? != "Listening" {
        return None;
    }
    entry.get("address")?.as_str()?.parse().ok()
}

/// The `[email]` section of a daemon with one mailbox, `support`, on private mail servers on
/// loopback (plain IMAP and SMTP); what a test or benchmark sets beyond it goes in the extras.
pub struct MailboxToml<'a> {
    pub address: &'a str,
    pub thread_secret: &'a str,
    pub imap_port: u16,
    pub username: &'a str,
    pub password: &'a str,
    pub smtp_port: u16,
    /// More keys of `[email.mailboxes.imap]`, one per line.
    pub imap_extra: &'a str,
    /// More keys of `[email.mailboxes.smtp]`.
    pub smtp_extra: &'a str,
}

impl MailboxToml<'_> {
    pub fn render(&self) -> String {
        let MailboxToml { address, thread_secret, imap_port, username, password, smtp_port, imap_extra, smtp_extra } =
            self;
        format!(
            r#"
[email]
thread_secret = "{thread_secret}"

[[email.mailboxes]]
name = "support"
address = "{address}"
display_name = "Wallet Support"

[email.mailboxes.imap]
host = "127.0.0.1"
port = {imap_port}
tls = "none"
username = "{username}"
password = "{password}"
folder = "INBOX"
{imap_extra}

[email.mailboxes.smtp]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
{smtp_extra}
"#
        )
    }
}
