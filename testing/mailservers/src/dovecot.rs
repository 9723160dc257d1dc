//! A private Dovecot IMAP server in a temp dir, for the email channel's tests and benchmarks.

use std::fs;
use std::io;
use std::os::unix::fs::{PermissionsExt, chown};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use crate::imap_client::{ImapClient, quote};
use crate::ports::{free_port, poll};
use crate::process::ServerProcess;
use crate::system::{SystemUser, find_binary, is_root, skip_note, system_user};

const USERNAME: &str = "switchboard";
const PASSWORD: &str = "switchboard-test-password";

/// How long a start may take before it counts as failed (first starts on a cold cache are slow).
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Fresh ports tried when the chosen one was taken between picking and binding.
const START_ATTEMPTS: usize = 5;

/// A Dovecot 2.3 of our own: plain IMAP on a loopback port, one user, a maildir in a temp dir.
/// Stopped (and the temp dir removed) on drop.
#[derive(Debug)]
pub struct Dovecot {
    dovecot: PathBuf,
    doveadm: PathBuf,
    port: u16,
    // Declared (so dropped) before the temp dir: the server stops before its files go.
    process: Option<ServerProcess>,
    dir: TempDir,
}

impl Dovecot {
    /// Starts a private server, or `Ok(None)` with a note on stderr when Dovecot is not
    /// installed or we are not root (it needs root to switch to its own users), so the caller's
    /// test can return early.
    pub fn start() -> io::Result<Option<Dovecot>> {
        let (Some(dovecot), Some(doveadm)) = (find_binary("dovecot"), find_binary("doveadm")) else {
            skip_note("Dovecot", "dovecot or doveadm not installed; Debian package dovecot-imapd");
            return Ok(None);
        };
        if !is_root() {
            skip_note("Dovecot", "a private Dovecot needs root");
            return Ok(None);
        }
        let (Some(internal), Some(_login)) = (system_user("dovecot"), system_user("dovenull")) else {
            skip_note("Dovecot", "no dovecot or dovenull user; reinstall dovecot-core");
            return Ok(None);
        };
        let dir = tempfile::Builder::new().prefix("switchboard-dovecot-").tempdir()?;
        // The login and mail processes run as dovecot/dovenull and must reach their sockets here.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755))?;
        let mail = dir.path().join("mail");
        fs::create_dir(&mail)?;
        chown(&mail, Some(internal.uid), Some(internal.gid))?;
        fs::write(dir.path().join("passwd"), format!("{USERNAME}:{{PLAIN}}{PASSWORD}\n"))?;

        let mut server = Dovecot { dovecot, doveadm, port: 0, process: None, dir };
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            server.port = free_port()?;
            fs::write(server.conf(), config(server.dir.path(), server.port, &internal))?;
            match server.start_again() {
                Ok(()) => return Ok(Some(server)),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("Dovecot did not start")))
    }

    /// The loopback port plain IMAP listens on (host `127.0.0.1`, no TLS).
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn username(&self) -> &str {
        USERNAME
    }

    pub fn password(&self) -> &str {
        PASSWORD
    }

    /// The temp dir holding the config, the maildir (`mail/`) and the log.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Everything Dovecot logged so far, for a failing test to print.
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// A logged-in IMAP connection, for checks the helpers below do not cover.
    pub fn connect(&self) -> io::Result<ImapClient> {
        ImapClient::login(self.port, USERNAME, PASSWORD)
    }

    /// Appends one raw RFC 5322 message to the folder (created if missing); returns its UID.
    pub fn append(&self, folder: &str, raw: &[u8]) -> io::Result<u32> {
        let mut imap = self.connect()?;
        imap.create(folder)?;
        let uid = imap.append(folder, raw)?;
        imap.logout()?;
        Ok(uid)
    }

    /// Appends many messages over one connection (MULTIAPPEND); UIDs follow the order given.
    pub fn append_all(&self, folder: &str, raws: &[Vec<u8>]) -> io::Result<()> {
        let mut imap = self.connect()?;
        imap.create(folder)?;
        imap.append_many(folder, raws)?;
        imap.logout()
    }

    /// UID and flags of every message in the folder, in UID order.
    pub fn flags(&self, folder: &str) -> io::Result<Vec<(u32, Vec<String>)>> {
        let mut imap = self.connect()?;
        imap.command(&format!("EXAMINE {}", quote(folder)))?;
        let flags = imap.uid_flags()?;
        imap.logout()?;
        Ok(flags)
    }

    /// Marks every message in the folder `\Seen`, as another mail client reading the box would.
    pub fn mark_all_seen(&self, folder: &str) -> io::Result<()> {
        let mut imap = self.connect()?;
        imap.select(folder)?;
        imap.command(r"UID STORE 1:* +FLAGS.SILENT (\Seen)")?;
        imap.logout()
    }

    /// The folder's current UIDVALIDITY.
    pub fn uidvalidity(&self, folder: &str) -> io::Result<u32> {
        let mut imap = self.connect()?;
        let uidvalidity = imap.select(folder)?;
        imap.logout()?;
        Ok(uidvalidity)
    }

    /// Gives the folder a new UIDVALIDITY (one higher), keeping its messages and their UIDs, and
    /// returns it. Sessions that have the folder selected are disconnected by Dovecot with
    /// `* BYE IMAP session state is inconsistent`, as a real server would.
    pub fn change_uidvalidity(&self, folder: &str) -> io::Result<u32> {
        let next = self.uidvalidity(folder)?.wrapping_add(1).max(1);
        let output = Command::new(&self.doveadm)
            .arg("-c")
            .arg(self.conf())
            .args(["mailbox", "update", "-u", USERNAME, "--uid-validity", &next.to_string(), folder])
            .stdin(Stdio::null())
            .output()?;
        if !output.status.success() {
            return Err(io::Error::other(format!(
                "doveadm mailbox update: {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(next)
    }

    /// Stops and starts the server again, same port and mail ("Dovecot restarted mid-stream").
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop();
        self.start_again()
    }

    /// Stops the server (connections drop, the port refuses) until `start_again`.
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Starts a stopped server again on the same port with the same mail. Does nothing when it
    /// is running.
    pub fn start_again(&mut self) -> io::Result<()> {
        if self.process.is_some() {
            return Ok(());
        }
        let mut command = Command::new(&self.dovecot);
        command.arg("-F").arg("-c").arg(self.conf()).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        let mut process = ServerProcess::spawn(command)?;
        let port = self.port;
        let ready = poll(START_TIMEOUT, || {
            if let Some(status) = process.exited() {
                return Err(io::Error::other(format!("dovecot exited with {status}")));
            }
            Ok(ImapClient::connect(port).ok())
        });
        match ready {
            Ok(Some(greeting)) => {
                drop(greeting);
                self.process = Some(process);
                Ok(())
            }
            Ok(None) => Err(self.start_error("did not answer within the start timeout")),
            Err(error) => Err(self.start_error(&error.to_string())),
        }
    }

    fn start_error(&self, what: &str) -> io::Error {
        let log = self.log();
        let tail: Vec<&str> = log.lines().rev().take(10).collect::<Vec<_>>().into_iter().rev().collect();
        io::Error::other(format!("Dovecot on port {}: {what}; log:\n{}", self.port, tail.join("\n")))
    }

    fn conf(&self) -> PathBuf {
        self.dir.path().join("dovecot.conf")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("dovecot.log")
    }
}

/// The whole configuration: nothing from /etc/dovecot is read, so the system's setup (or lack of
/// one) does not matter, and nothing is shared with another instance.
fn config(dir: &Path, port: u16, mail_user: &SystemUser) -> String {
    let dir = dir.display();
    let user = &mail_user.name;
    format!(
        r#"# Written by switchboard-mailservers for one test run.
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
listen = 127.0.0.1
protocols = imap
# Plain IMAP: loopback only, and tests need no certificates.
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = maildir:{dir}/mail/%u
mail_uid = {user}
mail_gid = {user}

namespace inbox {{
  inbox = yes
  # Folders sit beside INBOX ("Archive", not "INBOX.Archive").
  separator = /
}}

passdb {{
  driver = passwd-file
  args = {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={user} home={dir}/mail/%u
}}

service imap-login {{
  # No chroot: the run dir is a temp dir, not the packaged /run/dovecot/login.
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"#
    )
}
