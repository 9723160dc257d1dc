//! Postfix's `smtp-sink` on a private port, keeping every accepted message to read back.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader};
use std::net::{Ipv4Addr, TcpStream};
use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use crate::dump_watch::DumpWatch;
use crate::ports::{free_port, poll};
use crate::process::ServerProcess;
use crate::system::{SystemUser, find_binary, is_root, skip_note, system_user};

const START_TIMEOUT: Duration = Duration::from_secs(10);
const START_ATTEMPTS: usize = 5;

/// The SMTP command a rejecting sink refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpStage {
    Mail,
    Rcpt,
    Data,
    /// The `.` ending the message text: the client has sent the whole message and is refused.
    EndOfData,
}

impl SmtpStage {
    /// The command name as smtp-sink's `-r`/`-f` options take it.
    fn command(self) -> &'static str {
        match self {
            SmtpStage::Mail => "MAIL",
            SmtpStage::Rcpt => "RCPT",
            SmtpStage::Data => "DATA",
            SmtpStage::EndOfData => ".",
        }
    }
}

/// How the sink answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkMode {
    /// Takes every message (`250 2.0.0 Ok`).
    Accept,
    /// Refuses every message with `450 4.3.0 Error: command failed` after its text (`.`).
    Temporary,
    /// Refuses every message with `500 5.3.0 Error: command failed` after its text (`.`).
    Permanent,
    /// A 450 answer to the given command.
    TemporaryAt(SmtpStage),
    /// A 500 answer to the given command.
    PermanentAt(SmtpStage),
}

impl SinkMode {
    /// smtp-sink's options for this mode. Only accepted messages are dumped: smtp-sink writes a
    /// message refused at `.` to its dump all the same.
    fn options(self, dump_template: &Path) -> Vec<String> {
        match self {
            SinkMode::Accept => vec!["-d".into(), dump_template.display().to_string()],
            SinkMode::Temporary => SinkMode::TemporaryAt(SmtpStage::EndOfData).options(dump_template),
            SinkMode::Permanent => SinkMode::PermanentAt(SmtpStage::EndOfData).options(dump_template),
            SinkMode::TemporaryAt(stage) => vec!["-r".into(), stage.command().into()],
            SinkMode::PermanentAt(stage) => vec!["-f".into(), stage.command().into()],
        }
    }
}

/// One accepted message with its envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The `MAIL FROM` address, without angle brackets or parameters (empty for `<>`).
    pub mail_from: String,
    /// The `RCPT TO` addresses in the order given, without angle brackets.
    pub rcpt_to: Vec<String>,
    /// The message as sent: headers and body, CRLF line ends, dot-stuffing undone.
    pub raw: Vec<u8>,
}

/// A running `smtp-sink`: SMTP on a loopback port (no TLS; it advertises AUTH and takes any
/// credentials). Stopped, and its dump dir removed, on drop.
#[derive(Debug)]
pub struct SmtpSink {
    binary: PathBuf,
    /// Whom smtp-sink runs as: it refuses to keep root, and a dropped-to user loses the
    /// parent-death signal, so it is started as this user instead.
    run_as: Option<SystemUser>,
    port: u16,
    mode: SinkMode,
    // Fields drop in this order: the server stops, then the watch on its dumps, then the
    // temp dir is removed.
    process: Option<ServerProcess>,
    dumps: DumpWatch,
    dir: TempDir,
}

impl SmtpSink {
    /// Starts a sink answering as `mode`, or `Ok(None)` with a note on stderr when smtp-sink is
    /// not installed.
    pub fn start(mode: SinkMode) -> io::Result<Option<SmtpSink>> {
        let Some(binary) = find_binary("smtp-sink") else {
            skip_note("smtp-sink", "not installed; Debian package postfix");
            return Ok(None);
        };
        let run_as = if is_root() {
            let Some(nobody) = system_user("nobody") else {
                skip_note("smtp-sink", "running as root and there is no user nobody to run it as");
                return Ok(None);
            };
            Some(nobody)
        } else {
            None
        };
        let dir = tempfile::Builder::new().prefix("switchboard-smtp-sink-").tempdir()?;
        let dumps = dir.path().join("accepted");
        fs::create_dir(&dumps)?;
        if let Some(user) = &run_as {
            fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755))?;
            chown(&dumps, Some(user.uid), Some(user.gid))?;
        }
        let dumps = DumpWatch::start(&dumps)?;
        let mut sink = SmtpSink { binary, run_as, port: 0, mode, process: None, dumps, dir };
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            sink.port = free_port()?;
            match sink.run() {
                Ok(()) => return Ok(Some(sink)),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("smtp-sink did not start")))
    }

    /// The loopback port SMTP listens on (host `127.0.0.1`).
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn mode(&self) -> SinkMode {
        self.mode
    }

    /// Restarts the sink on the same port answering another way; messages kept so far stay.
    /// Connections open at that moment are dropped.
    pub fn set_mode(&mut self, mode: SinkMode) -> io::Result<()> {
        self.process = None;
        self.mode = mode;
        // The port was ours a moment ago; a few tries cover a client's connection still closing.
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            match self.run() {
                Ok(()) => return Ok(()),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("smtp-sink did not restart")))
    }

    /// Every message accepted so far, as sent (headers and body, CRLF), in arrival order.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        self.received().into_iter().map(|mail| mail.raw).collect()
    }

    /// Every message accepted so far with its envelope, in arrival order.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.dumps.closed().iter().filter_map(|path| fs::read(path).ok()).map(|dump| parse_dump(&dump)).collect()
    }

    /// Waits up to `timeout` until at least `n` messages arrived; returns all there are then
    /// (fewer on timeout, for the caller's assertion to show).
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Vec<u8>> {
        self.wait_for_received(n, timeout).into_iter().map(|mail| mail.raw).collect()
    }

    /// `wait_for` with the envelopes.
    pub fn wait_for_received(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let arrived = poll(timeout, || {
            let received = self.received();
            Ok((received.len() >= n).then_some(received))
        });
        arrived.ok().flatten().unwrap_or_else(|| self.received())
    }

    /// What smtp-sink wrote on stderr since its last (re)start.
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("smtp-sink.log")
    }

    /// Starts smtp-sink on `self.port` in `self.mode` and waits for its greeting.
    fn run(&mut self) -> io::Result<()> {
        let mut command = Command::new(&self.binary);
        command
            .args(self.mode.options(&self.dumps.dir().join("message.")))
            .arg(format!("127.0.0.1:{}", self.port))
            // The listen backlog: benchmarks open many connections at once.
            .arg("256")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // Where it says why it could not start (a taken port, usually).
            .stderr(File::create(self.log_path())?);
        if let Some(user) = &self.run_as {
            // std also drops root's supplementary groups when it switches the uid.
            command.uid(user.uid).gid(user.gid);
        }
        let mut process = ServerProcess::spawn(command)?;
        let port = self.port;
        let ready = poll(START_TIMEOUT, || {
            if let Some(status) = process.exited() {
                return Err(io::Error::other(format!("smtp-sink exited with {status}: {}", self.log().trim())));
            }
            Ok(greets(port).then_some(()))
        })?;
        if ready.is_none() {
            return Err(io::Error::other(format!("smtp-sink on port {port} did not answer")));
        }
        self.process = Some(process);
        Ok(())
    }
}

/// Whether an SMTP server answers on the port with a 220 greeting.
fn greets(port: u16) -> bool {
    let Ok(stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut greeting = String::new();
    BufReader::new(stream).read_line(&mut greeting).is_ok() && greeting.starts_with("220")
}

/// Splits a dump into envelope and message. The format (man smtp-sink, DUMP FILE FORMAT):
/// `X-Client-Addr`, `X-Client-Proto`, `X-Helo-Args`, `X-Mail-Args`, one `X-Rcpt-Args` per
/// recipient, a three-line `Received:` header, then the message with LF line ends, then an
/// empty line.
fn parse_dump(dump: &[u8]) -> ReceivedMail {
    let mut mail = ReceivedMail { mail_from: String::new(), rcpt_to: Vec::new(), raw: Vec::new() };
    let mut rest = dump;
    let mut in_received = false;
    while let Some(end) = rest.iter().position(|&byte| byte == b'\n') {
        let line = String::from_utf8_lossy(&rest[..end]);
        if in_received && !line.starts_with([' ', '\t']) {
            break;
        }
        if let Some(args) = line.strip_prefix("X-Mail-Args: ") {
            mail.mail_from = address(args);
        } else if let Some(args) = line.strip_prefix("X-Rcpt-Args: ") {
            mail.rcpt_to.push(address(args));
        } else if line.starts_with("Received: ") {
            in_received = true;
        } else if !in_received && !line.starts_with("X-") {
            break;
        }
        rest = &rest[end + 1..];
    }
    let message = rest.strip_suffix(b"\n").unwrap_or(rest);
    for line in message.split_inclusive(|&byte| byte == b'\n') {
        match line.strip_suffix(b"\n") {
            Some(text) => {
                mail.raw.extend_from_slice(text);
                mail.raw.extend_from_slice(b"\r\n");
            }
            None => mail.raw.extend_from_slice(line),
        }
    }
    mail
}

/// `<a@example.org> SIZE=123` → `a@example.org`.
fn address(args: &str) -> String {
    let first = args.split_ascii_whitespace().next().unwrap_or_default();
    first.trim_start_matches('<').trim_end_matches('>').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dump_gives_back_the_message_as_sent_and_its_envelope() {
        let dump = b"X-Client-Addr: 127.0.0.1\nX-Client-Proto: ESMTP\nX-Helo-Args: me\n\
            X-Mail-Args: <a@x.org> SIZE=42\nX-Rcpt-Args: <b@y.org>\nX-Rcpt-Args: <c@y.org> NOTIFY=NEVER\n\
            Received: from me ([127.0.0.1])\n\tby smtp-sink (smtp-sink) with ESMTP id 59dbf33c;\n\
            \tMon,  7 Dec 2026 11:14:59 +0000 (UTC)\nSubject: hi\nX-Other: kept\n\nbody\n.dotted\n\n";
        let mail = parse_dump(dump);
        assert_eq!(mail.mail_from, "a@x.org");
        assert_eq!(mail.rcpt_to, ["b@y.org", "c@y.org"]);
        assert_eq!(String::from_utf8_lossy(&mail.raw), "Subject: hi\r\nX-Other: kept\r\n\r\nbody\r\n.dotted\r\n");
    }

    #[test]
    fn a_null_sender_is_empty() {
        assert_eq!(address("<>"), "");
    }
}
